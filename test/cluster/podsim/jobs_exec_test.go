package main

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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

// canUnshare: the real runner needs root and unshare(1); skip where the machine has neither.
func canUnshare(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for mount namespaces")
	}
	if err := exec.Command("unshare", "--mount", "--propagation", "private", "--", "true").Run(); err != nil {
		t.Skipf("unshare --mount does not work here: %v", err)
	}
}

func cleanupPod(mountPath string, args ...string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "cleanup-abc", Namespace: "live"},
		Spec: v1.PodSpec{
			Volumes: []v1.Volume{
				{Name: "data", VolumeSource: v1.VolumeSource{PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ClaimName: "pvc-nas"}}},
				{Name: "cfg", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{}}},
			},
			Containers: []v1.Container{{
				Name: "cleanup", Image: "docker.io/library/busybox:1.36",
				Command:      []string{"/bin/sh", "-c"},
				Args:         args,
				Env:          []v1.EnvVar{{Name: "GREETING", Value: "hello world"}},
				VolumeMounts: []v1.VolumeMount{{Name: "data", MountPath: mountPath}, {Name: "cfg", MountPath: "/etc/never"}},
			}},
		},
	}
}

func TestExecJobRunnerMountsClaimAndKeepsOutput(t *testing.T) {
	canUnshare(t)
	state := t.TempDir()
	mnt := filepath.Join(t.TempDir(), "tmp html") // a space in the mount path, made on first use
	claim := claimDir(state, "live", "pvc-nas")
	if err := os.MkdirAll(filepath.Join(claim, "live"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(claim, "live", "old.ts"), []byte("x"), 0o644)
	script := `echo "$GREETING"; ls "$1"/live; rm "$1"/live/old.ts; echo made > "$1"/new.txt; echo oops >&2; exit 3`
	pod := cleanupPod(mnt, script, "sh", mnt)
	r := execJobRunner{stateDir: state, fallback: sleepJobRunner{}, logf: t.Logf}
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
	log, _ := os.ReadFile(jobLogPath(state, "live", "cleanup-abc", "cleanup"))
	for _, want := range []string{"hello world\n", "old.ts\n", "oops\n"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log %q lacks %q", log, want)
		}
	}
}

func TestExecJobRunnerDeadlineAndFallback(t *testing.T) {
	canUnshare(t)
	state := t.TempDir()
	pod := cleanupPod(filepath.Join(t.TempDir(), "m"), "sleep 30 & sleep 30; echo never")
	one := int64(1)
	pod.Spec.ActiveDeadlineSeconds = &one
	r := execJobRunner{stateDir: state, fallback: sleepJobRunner{}, logf: t.Logf}
	t0 := time.Now()
	code, err := r.Run(context.Background(), pod, &pod.Spec.Containers[0])
	if code != 137 || err == nil || time.Since(t0) > 5*time.Second {
		t.Fatalf("exit %d err %v after %s, want 137 and an error within ~1 s", code, err, time.Since(t0))
	}
	log, _ := os.ReadFile(jobLogPath(state, "live", "cleanup-abc", "cleanup"))
	if strings.Contains(string(log), "never") || !strings.Contains(string(log), "deadline") {
		t.Errorf("log %q", log)
	}

	// Not a shell image: the sleep runner's annotations decide, nothing runs.
	pod.Spec.Containers[0].Image = "ossrs/srs:4"
	pod.Annotations = map[string]string{annJobDuration: "10", annJobExitCode: "4"}
	if code, _ := r.Run(context.Background(), pod, &pod.Spec.Containers[0]); code != 4 {
		t.Errorf("fallback exit %d, want 4", code)
	}
}

func TestExecJobRunnerRefusesBadMounts(t *testing.T) {
	state := t.TempDir()
	r := execJobRunner{stateDir: state, fallback: sleepJobRunner{}, logf: t.Logf}
	pod := cleanupPod("/", "true")
	if _, err := r.mountsOf(pod, &pod.Spec.Containers[0]); err == nil {
		t.Error("mountPath / accepted")
	}
	pod = cleanupPod("/data", "true")
	pod.Spec.Containers[0].VolumeMounts[0].SubPath = "../other"
	if _, err := r.mountsOf(pod, &pod.Spec.Containers[0]); err == nil {
		t.Error("subPath with .. accepted")
	}
	pod.Spec.Containers[0].VolumeMounts[0].SubPath = "hls"
	ms, err := r.mountsOf(pod, &pod.Spec.Containers[0])
	if err != nil || len(ms) != 1 || ms[0].src != filepath.Join(claimDir(state, "live", "pvc-nas"), "hls") || ms[0].dst != "/data" {
		t.Errorf("mounts %+v err %v", ms, err)
	}
}

func TestKubeletRunsShellJobPods(t *testing.T) {
	canUnshare(t)
	shortDelays(t)
	job := func(name, script string) *v1.Pod {
		p := cleanupPod(filepath.Join(t.TempDir(), "mnt"), script)
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
	eventually(t, 5*time.Second, "both job pods finished", func() bool { return terminated("ok") != nil && terminated("bad") != nil })
	ok, _ := getPod(cs, "ok")
	bad, _ := getPod(cs, "bad")
	if ok.Status.Phase != v1.PodSucceeded || terminated("ok").ExitCode != 0 || bad.Status.Phase != v1.PodFailed || terminated("bad").ExitCode != 5 {
		t.Fatalf("ok %s/%d, bad %s/%d", ok.Status.Phase, terminated("ok").ExitCode, bad.Status.Phase, terminated("bad").ExitCode)
	}
	if log, _ := os.ReadFile(jobLogPath(k.cfg.StateDir, "default", "bad", "cleanup")); string(log) != "failing\n" {
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
