// Package imageref normalises image references the way containerd reports them.
package imageref

import (
	"strings"
)

// normalizeImage writes the image as containerd reports it (docker.io/library/nginx:latest).
func Normalize(image string) string {
	ref := image
	if !strings.Contains(ref[strings.LastIndex(ref, "/")+1:], ":") && !strings.Contains(ref, "@") {
		ref += ":latest"
	}
	first, _, hasSlash := strings.Cut(ref, "/")
	if !hasSlash {
		return "docker.io/library/" + ref
	}
	if !strings.ContainsAny(first, ".:") && first != "localhost" {
		return "docker.io/" + ref
	}
	return ref
}
