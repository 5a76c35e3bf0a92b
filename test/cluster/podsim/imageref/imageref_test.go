package imageref

import (
	"testing"
)

func TestNormalizeImage(t *testing.T) {
	for in, want := range map[string]string{
		"nginx": "docker.io/library/nginx:latest", "ossrs/srs:4": "docker.io/ossrs/srs:4",
		"registry.cn-hangzhou.aliyuncs.com/ossrs/srs:4": "registry.cn-hangzhou.aliyuncs.com/ossrs/srs:4",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}
