package jobs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kubectl-srs.test/cluster/podsim/annotations"
	"kubectl-srs.test/cluster/podsim/simtest"
)

func TestIsShellImage(t *testing.T) {
	for img, want := range map[string]bool{
		"busybox": true, "busybox:1.36": true, "docker.io/library/busybox:1.36": true, "centos:7": true,
		"alpine@sha256:abc": true, "registry:5000/mirror/debian:12": true, "ubuntu": true,
		"ossrs/srs:4": false, "nginx": false, "busybox-extra": false, "registry:5000/busybox-like": false,
	} {
		if got := isShellImage(img); got != want {
			t.Errorf("isShellImage(%q) = %v, want %v", img, got, want)
		}
	}
}

func TestExecJobRunnerMountsClaimAndKeepsOutput(t *testing.T) {
	simtest.CanUnshare(t)
	state := t.TempDir()
	mnt := filepath.Join(t.TempDir(), "tmp html") // a space in the mount path, made on first use
	claim := claimDir(state, "live", "pvc-nas")
	if err := os.MkdirAll(filepath.Join(claim, "live"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(claim, "live", "old.ts"), []byte("x"), 0o644)
	script := `echo "$GREETING"; ls "$1"/live; rm "$1"/live/old.ts; echo made > "$1"/new.txt; echo oops >&2; exit 3`
	pod := simtest.CleanupPod(mnt, script, "sh", mnt)
	r := ExecRunner{StateDir: state, Fallback: SleepRunner{}, Logf: t.Logf}
	code, err := r.Run(context.Background(), pod, &pod.Spec.Containers[0])
	if err != nil || code != 3 {
		t.Fatalf("exit %d err %v, want 3 <nil>", code, err)
	}
	if _, err := os.Stat(filepath.Join(claim, "live", "old.ts")); !os.IsNotExist(err) {
		t.Errorf("old.ts still in the claim folder: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(claim, "new.txt")); string(b) != "made\n" {
		t.Errorf("new.txt in the claim folder = %q", b)
	}
	// The host's mount point stays an empty folder: the bind mount lived in the private namespace.
	if ents, _ := os.ReadDir(mnt); len(ents) != 0 {
		t.Errorf("mount point on the machine is not empty: %v", ents)
	}
	log, _ := os.ReadFile(JobLogPath(state, "live", "cleanup-abc", "cleanup"))
	for _, want := range []string{"hello world\n", "old.ts\n", "oops\n"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log %q lacks %q", log, want)
		}
	}
}

func TestExecJobRunnerDeadlineAndFallback(t *testing.T) {
	simtest.CanUnshare(t)
	state := t.TempDir()
	pod := simtest.CleanupPod(filepath.Join(t.TempDir(), "m"), "sleep 30 & sleep 30; echo never")
	one := int64(1)
	pod.Spec.ActiveDeadlineSeconds = &one
	r := ExecRunner{StateDir: state, Fallback: SleepRunner{}, Logf: t.Logf}
	t0 := time.Now()
	code, err := r.Run(context.Background(), pod, &pod.Spec.Containers[0])
	if code != 137 || err == nil || time.Since(t0) > 5*time.Second {
		t.Fatalf("exit %d err %v after %s, want 137 and an error within ~1 s", code, err, time.Since(t0))
	}
	log, _ := os.ReadFile(JobLogPath(state, "live", "cleanup-abc", "cleanup"))
	if strings.Contains(string(log), "never") || !strings.Contains(string(log), "deadline") {
		t.Errorf("log %q", log)
	}

	// Not a shell image: the sleep runner's annotations decide, nothing runs.
	pod.Spec.Containers[0].Image = "ossrs/srs:4"
	pod.Annotations = map[string]string{annotations.AnnJobDuration: "10", annotations.AnnJobExitCode: "4"}
	if code, _ := r.Run(context.Background(), pod, &pod.Spec.Containers[0]); code != 4 {
		t.Errorf("fallback exit %d, want 4", code)
	}
}

func TestExecJobRunnerRefusesBadMounts(t *testing.T) {
	state := t.TempDir()
	r := ExecRunner{StateDir: state, Fallback: SleepRunner{}, Logf: t.Logf}
	pod := simtest.CleanupPod("/", "true")
	if _, err := r.MountsOf(pod, &pod.Spec.Containers[0]); err == nil {
		t.Error("mountPath / accepted")
	}
	pod = simtest.CleanupPod("/data", "true")
	pod.Spec.Containers[0].VolumeMounts[0].SubPath = "../other"
	if _, err := r.MountsOf(pod, &pod.Spec.Containers[0]); err == nil {
		t.Error("subPath with .. accepted")
	}
	pod.Spec.Containers[0].VolumeMounts[0].SubPath = "hls"
	ms, err := r.MountsOf(pod, &pod.Spec.Containers[0])
	if err != nil || len(ms) != 1 || ms[0].Src != filepath.Join(claimDir(state, "live", "pvc-nas"), "hls") || ms[0].Dst != "/data" {
		t.Errorf("mounts %+v err %v", ms, err)
	}
}
