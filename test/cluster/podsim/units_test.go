package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestVersionFromImage(t *testing.T) {
	cases := map[string]string{
		"ossrs/srs:3": "3.0.168", "ossrs/srs:4": "4.0.271", "ossrs/srs:v4.0.6": "4.0.6", "ossrs/srs:4.0.6": "4.0.6",
		"ossrs/srs:v4.0.5": "4.0.5", "ossrs/srs:5": "5.0.213", "ossrs/srs:v5.0-r3": "5.0.213", "ossrs/srs:6": "6.0.155",
		"ossrs/srs:v6.0.140": "6.0.140", "registry.cn-hangzhou.aliyuncs.com/ossrs/srs:4": "4.0.271", "ossrs/srs": "6.0.155",
	}
	for image, want := range cases {
		v, ok := versionFromImage(image)
		if !ok || v.String() != want {
			t.Errorf("%s: got %v %v, want %s", image, v, ok, want)
		}
	}
	for _, image := range []string{"nginx", "nginx:1.25", "busybox:1.36", "ossrs/srs-cache:1"} {
		if _, ok := versionFromImage(image); ok {
			t.Errorf("%s: treated as SRS", image)
		}
	}
	if (srsVersion{6, 0, 131}).gracefulQuitWorks() || !(srsVersion{6, 0, 132}).gracefulQuitWorks() ||
		(srsVersion{5, 0, 213}).gracefulQuitWorks() || !(srsVersion{4, 0, 5}).gracefulQuitWorks() {
		t.Error("graceful quit table is wrong")
	}
}

const seedEdgeConf = `listen              1935;
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

func TestSettingsFromSeedConf(t *testing.T) {
	root, err := parseSRSConf(seedEdgeConf)
	if err != nil {
		t.Fatal(err)
	}
	s := settingsFromConf(root)
	if !s.APIEnabled || s.APIPort != 1985 || s.HTTPServerPort != 8080 || !s.ForceGraceQuit ||
		s.GraceStartWait != 700*time.Millisecond || s.GraceFinalWait != 800*time.Millisecond ||
		s.ClusterMode != "remote" || strings.Join(s.Origins, " ") != "srs-origin-0.socs srs-origin-1.socs srs-origin-2.socs" {
		t.Fatalf("%+v", s)
	}
	for _, bad := range []string{"listen 1935", "http_api { enabled on; ", "vhost a { }}", "x { y }", `a "b;`} {
		if _, err := parseSRSConf(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, err := parseSRSConf("# only a comment\nlisten 1935; # trailing\nvhost \"a b\" { hls { enabled on; } }\n"); err != nil {
		t.Error(err)
	}
}

func TestIPPool(t *testing.T) {
	p, err := newIPPool("10.244.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := p.allocate()
	if first != "10.244.1.1" {
		t.Fatalf("first IP %s", first)
	}
	seen := map[string]bool{first: true}
	for i := 0; i < 600; i++ {
		ip, err := p.allocate()
		if err != nil {
			t.Fatal(err)
		}
		if seen[ip] || strings.HasSuffix(ip, ".0") || strings.HasSuffix(ip, ".255") || strings.HasPrefix(ip, "10.244.0.") {
			t.Fatalf("bad or duplicate IP %s", ip)
		}
		seen[ip] = true
	}
	p.release(first)
	if next, _ := p.allocate(); next == first {
		t.Fatal("released IP reused at once")
	}
	if p.reserve("10.244.0.1") || p.reserve("192.168.1.1") || !p.reserve("10.244.200.7") || p.reserve("10.244.200.7") {
		t.Fatal("reserve")
	}
}

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
		c := containerWithPreStop(strings.Fields(cmd))
		if got, _ := preStopAction(c); got != want {
			t.Errorf("%q: %s, want %s", cmd, got, want)
		}
	}
}

func TestNormalizeImage(t *testing.T) {
	for in, want := range map[string]string{
		"nginx": "docker.io/library/nginx:latest", "ossrs/srs:4": "docker.io/ossrs/srs:4",
		"registry.cn-hangzhou.aliyuncs.com/ossrs/srs:4": "registry.cn-hangzhou.aliyuncs.com/ossrs/srs:4",
	} {
		if got := normalizeImage(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}
