package kubelet

import (
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"kubectl-srs.test/cluster/podsim/jobs"
	"kubectl-srs.test/cluster/podsim/simsrs"
	"kubectl-srs.test/cluster/podsim/simtest"
)

func TestKubeletRunsShellJobPods(t *testing.T) {
	simtest.CanUnshare(t)
	simsrs.ShortDelays(t)
	job := func(name, script string) *v1.Pod {
		p := simtest.CleanupPod(filepath.Join(t.TempDir(), "mnt"), script)
		p.Name, p.Namespace, p.UID = name, "default", "uid-"+types.UID(name)
		p.OwnerReferences = []metav1.OwnerReference{{Kind: "Job", Name: "cleanup", APIVersion: "batch/v1", UID: "j"}}
		p.Spec.RestartPolicy = v1.RestartPolicyNever
		// no configMap volume: its ConfigMap does not exist, and the pod would wait for it
		p.Spec.Volumes = p.Spec.Volumes[:1]
		p.Spec.Containers[0].VolumeMounts = p.Spec.Containers[0].VolumeMounts[:1]
		return p
	}
	k, cs, _ := newFakeKubelet(t, job("ok", "echo done"), job("bad", "echo failing >&2; exit 5"))
	terminated := func(name string) *v1.ContainerStateTerminated {
		p, _ := getPod(cs, name)
		if p == nil || len(p.Status.ContainerStatuses) == 0 {
			return nil
		}
		return p.Status.ContainerStatuses[0].State.Terminated
	}
	simtest.Eventually(t, 5*time.Second, "both job pods finished", func() bool { return terminated("ok") != nil && terminated("bad") != nil })
	ok, _ := getPod(cs, "ok")
	bad, _ := getPod(cs, "bad")
	if ok.Status.Phase != v1.PodSucceeded || terminated("ok").ExitCode != 0 || bad.Status.Phase != v1.PodFailed || terminated("bad").ExitCode != 5 {
		t.Fatalf("ok %s/%d, bad %s/%d", ok.Status.Phase, terminated("ok").ExitCode, bad.Status.Phase, terminated("bad").ExitCode)
	}
	if log, _ := os.ReadFile(jobs.JobLogPath(k.cfg.StateDir, "default", "bad", "cleanup")); string(log) != "failing\n" {
		t.Errorf("log of bad = %q", log)
	}
	// What kubectl logs shows: the process's stdout and stderr, through the kubelet server.
	srv := httptest.NewServer(k.streamingHandler())
	defer srv.Close()
	if code, body := getLogs(t, srv, "ok", "cleanup", nil); code != 200 || body != "done\n" {
		t.Errorf("logs of ok: %d %q", code, body)
	}
	code, body := getLogs(t, srv, "bad", "cleanup", url.Values{"timestamps": {"true"}})
	stamp, line, _ := strings.Cut(body, " ")
	if _, err := time.Parse(time.RFC3339Nano, stamp); code != 200 || err != nil || line != "failing\n" {
		t.Errorf("logs of bad with timestamps: %d %q", code, body)
	}
}
