// Package simtest holds helpers that the tests of several podsim packages share.
package simtest

import (
	"encoding/base64"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ContainerWithPreStop(cmd []string) *v1.Container {
	return &v1.Container{Name: "srs", Lifecycle: &v1.Lifecycle{PreStop: &v1.LifecycleHandler{Exec: &v1.ExecAction{Command: cmd}}}}
}

// freeLoopbackPort is a TCP port on 127.0.0.1 that nothing listens on right now.
func FreeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// canUnshare: the real runner needs root and unshare(1); skip where the machine has neither.
func CanUnshare(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for mount namespaces")
	}
	if err := exec.Command("unshare", "--mount", "--propagation", "private", "--", "true").Run(); err != nil {
		t.Skipf("unshare --mount does not work here: %v", err)
	}
}

func CleanupPod(mountPath string, args ...string) *v1.Pod {
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

func Eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const AuthConf = `listen 1935;
http_api { enabled on; listen 1985; auth { enabled on; username admin; password s3cret; } }
http_server { enabled on; listen 8080; }
vhost __defaultVhost__ { }
`

func Basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

const SeedEdgeConf = `listen              1935;
max_connections     1000;
daemon              off;
grace_start_wait    700;
grace_final_wait    800;
force_grace_quit    on;
http_api {
    enabled         on;
    listen          1985;
}
http_server {
    enabled         on;
    listen          8080;
}
vhost __defaultVhost__ {
    cluster {
        mode            remote;
        origin          srs-origin-0.socs srs-origin-1.socs srs-origin-2.socs;
    }
    http_remux {
        enabled     on;
    }
}`
