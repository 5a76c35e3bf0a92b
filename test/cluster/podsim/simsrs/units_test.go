package simsrs

import (
	"strings"
	"testing"
	"time"

	"kubectl-srs.test/cluster/podsim/simtest"
)

func TestVersionFromImage(t *testing.T) {
	cases := map[string]string{
		"ossrs/srs:3": "3.0.168", "ossrs/srs:4": "4.0.271", "ossrs/srs:v4.0.6": "4.0.6", "ossrs/srs:4.0.6": "4.0.6",
		"ossrs/srs:v4.0.5": "4.0.5", "ossrs/srs:5": "5.0.213", "ossrs/srs:v5.0-r3": "5.0.213", "ossrs/srs:6": "6.0.155",
		"ossrs/srs:v6.0.140": "6.0.140", "registry.cn-hangzhou.aliyuncs.com/ossrs/srs:4": "4.0.271", "ossrs/srs": "6.0.155",
	}
	for image, want := range cases {
		v, ok := VersionFromImage(image)
		if !ok || v.String() != want {
			t.Errorf("%s: got %v %v, want %s", image, v, ok, want)
		}
	}
	for _, image := range []string{"nginx", "nginx:1.25", "busybox:1.36", "ossrs/srs-cache:1"} {
		if _, ok := VersionFromImage(image); ok {
			t.Errorf("%s: treated as SRS", image)
		}
	}
	if (Version{6, 0, 131}).gracefulQuitWorks() || !(Version{6, 0, 132}).gracefulQuitWorks() ||
		(Version{5, 0, 213}).gracefulQuitWorks() || !(Version{4, 0, 5}).gracefulQuitWorks() {
		t.Error("graceful quit table is wrong")
	}
}

func TestSettingsFromSeedConf(t *testing.T) {
	root, err := ParseConf(simtest.SeedEdgeConf)
	if err != nil {
		t.Fatal(err)
	}
	s := SettingsFromConf(root)
	if !s.APIEnabled || s.APIPort != 1985 || s.HTTPServerPort != 8080 || !s.ForceGraceQuit ||
		s.GraceStartWait != 700*time.Millisecond || s.GraceFinalWait != 800*time.Millisecond ||
		s.ClusterMode != "remote" || strings.Join(s.Origins, " ") != "srs-origin-0.socs srs-origin-1.socs srs-origin-2.socs" {
		t.Fatalf("%+v", s)
	}
	for _, bad := range []string{"listen 1935", "http_api { enabled on; ", "vhost a { }}", "x { y }", `a "b;`} {
		if _, err := ParseConf(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, err := ParseConf("# only a comment\nlisten 1935; # trailing\nvhost \"a b\" { hls { enabled on; } }\n"); err != nil {
		t.Error(err)
	}
}
