package jobs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubectl-srs.test/cluster/podsim/dns"
	"kubectl-srs.test/cluster/podsim/simtest"
)

// A Job pod's process sees the cluster's resolv.conf on /etc/resolv.conf; the machine's file
// is not touched.
func TestExecJobRunnerGetsClusterResolvConf(t *testing.T) {
	simtest.CanUnshare(t)
	state := t.TempDir()
	before, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		t.Skipf("the machine has no /etc/resolv.conf to mount over: %v", err)
	}
	pod := simtest.CleanupPod(filepath.Join(t.TempDir(), "m"), "cat /etc/resolv.conf")
	r := ExecRunner{StateDir: state, Fallback: SleepRunner{}, Logf: t.Logf, Dns: dns.ClusterDNS{Nameserver: "10.96.0.10", Domain: "cluster.local"}}
	if code, err := r.Run(context.Background(), pod, &pod.Spec.Containers[0]); code != 0 || err != nil {
		t.Fatalf("exit %d err %v", code, err)
	}
	log, _ := os.ReadFile(JobLogPath(state, "live", "cleanup-abc", "cleanup"))
	if !strings.Contains(string(log), "search live.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n") {
		t.Errorf("the job saw %q", log)
	}
	if after, _ := os.ReadFile("/etc/resolv.conf"); string(after) != string(before) {
		t.Errorf("the machine's /etc/resolv.conf changed: %q", after)
	}
}
