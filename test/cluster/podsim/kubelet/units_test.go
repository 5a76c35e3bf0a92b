package kubelet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kubectl-srs.test/cluster/podsim/simtest"
)

func TestProjectionSwapsDataLink(t *testing.T) {
	dir := t.TempDir()
	v := &podVolume{Name: "config-volume", ConfigMap: "srs-edge-config", Dir: filepath.Join(dir, "vol")}
	changed, err := v.write(map[string][]byte{"srs.conf": []byte("listen 1935;")})
	if err != nil || !changed {
		t.Fatal(changed, err)
	}
	first, _ := os.Readlink(filepath.Join(v.Dir, "..data"))
	if link, _ := os.Readlink(filepath.Join(v.Dir, "srs.conf")); link != "..data/srs.conf" {
		t.Fatalf("srs.conf -> %q", link)
	}
	if changed, _ := v.write(map[string][]byte{"srs.conf": []byte("listen 1935;")}); changed {
		t.Fatal("same payload swapped")
	}
	time.Sleep(time.Millisecond)
	if changed, err := v.write(map[string][]byte{"srs.conf": []byte("listen 1936;"), "extra.conf": []byte("x;")}); !changed || err != nil {
		t.Fatal(changed, err)
	}
	second, _ := os.Readlink(filepath.Join(v.Dir, "..data"))
	if second == first || !strings.HasPrefix(second, "..20") {
		t.Fatalf("..data %q -> %q", first, second)
	}
	if _, err := os.Stat(filepath.Join(v.Dir, first)); !os.IsNotExist(err) {
		t.Fatal("old timestamped dir kept")
	}
	b, _ := os.ReadFile(filepath.Join(v.Dir, "srs.conf"))
	e, _ := os.ReadFile(filepath.Join(v.Dir, "extra.conf"))
	if string(b) != "listen 1936;" || string(e) != "x;" {
		t.Fatalf("%q %q", b, e)
	}
	if _, err := os.Lstat(filepath.Join(v.Dir, "..data_tmp")); !os.IsNotExist(err) {
		t.Fatal("..data_tmp left behind")
	}
}

func TestPreStopAction(t *testing.T) {
	cases := map[string]string{
		"/usr/local/srs/etc/init.d/srs grace": "quit", "kill -QUIT 1": "quit", "kill -s QUIT 1": "quit",
		"sh -c sleep 5": "sleep", "echo bye": "none",
	}
	for cmd, want := range cases {
		c := simtest.ContainerWithPreStop(strings.Fields(cmd))
		if got, _ := preStopAction(c); got != want {
			t.Errorf("%q: %s, want %s", cmd, got, want)
		}
	}
}
