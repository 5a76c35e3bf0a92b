package realsrs

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"kubectl-srs.test/cluster/podsim/imageref"
)

// The real-SRS mode: a mapping from image reference to an SRS build folder (the folder that
// holds objs/srs), given as SRS_K8S_REAL_SRS / --real-srs:
//
//	ossrs/srs:6=/opt/srs6,ossrs/srs:v4.0.6=/opt/srs4,registry.local/srs=/opt/srs-dev
//
// An SRS container whose image matches an entry runs that build's objs/srs (realsrs.go);
// every other SRS container keeps the simulated SRS. Matching, first hit wins:
//  1. an entry whose key is the container's image string exactly as written in the pod;
//  2. an entry with a tag whose repository:tag equals the image's, both normalised the way
//     containerd names images (ossrs/srs:6 = docker.io/ossrs/srs:6; no tag means :latest; a
//     digest is ignored);
//  3. an entry without a tag whose repository equals the image's (any tag).

type Map struct {
	entries []Entry
}

type Entry struct {
	key      string // as written in the mapping
	repo     string // normalised repository
	tag      string // "" for a repository-only entry
	buildDir string
}

func (m Map) Empty() bool { return len(m.entries) == 0 }

// splitImageRef normalises an image reference and splits it into repository and tag
// (tag "" when the reference has none; the digest is dropped).
func splitImageRef(ref string) (repo, tag string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	hasTag := strings.Contains(ref[strings.LastIndex(ref, "/")+1:], ":")
	n := imageref.Normalize(ref) // adds docker.io/library/ and :latest
	i := strings.LastIndex(n, ":")
	repo, tag = n[:i], n[i+1:]
	if !hasTag {
		tag = ""
	}
	return repo, tag
}

// parseRealSRSMap reads "IMAGE=DIR[,IMAGE=DIR...]". Every DIR must be an absolute path
// holding an executable objs/srs.
func ParseMap(spec string) (Map, error) {
	var m Map
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, dir, ok := strings.Cut(part, "=")
		key, dir = strings.TrimSpace(key), strings.TrimSpace(dir)
		if !ok || key == "" || dir == "" {
			return m, fmt.Errorf("real SRS mapping %q: want IMAGE=BUILD_DIR, e.g. ossrs/srs:6=/opt/srs6", part)
		}
		if !filepath.IsAbs(dir) {
			return m, fmt.Errorf("real SRS mapping %q: the build folder must be an absolute path", part)
		}
		bin := filepath.Join(dir, "objs", "srs")
		st, err := os.Stat(bin)
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return m, fmt.Errorf("real SRS mapping %q: %s is not an executable file (the build folder is the one holding objs/srs)", part, bin)
		}
		if seen[key] {
			return m, fmt.Errorf("real SRS mapping: image %q is mapped twice", key)
		}
		seen[key] = true
		repo, tag := splitImageRef(key)
		m.entries = append(m.entries, Entry{key: key, repo: repo, tag: tag, buildDir: filepath.Clean(dir)})
	}
	return m, nil
}

// buildFor returns the build folder for an image, or "" when the image keeps the simulation.
func (m Map) BuildFor(image string) string {
	if m.Empty() {
		return ""
	}
	for _, e := range m.entries {
		if e.key == image {
			return e.buildDir
		}
	}
	repo, tag := splitImageRef(image)
	if tag == "" {
		tag = "latest"
	}
	for _, e := range m.entries {
		if e.tag != "" && e.repo == repo && e.tag == tag {
			return e.buildDir
		}
	}
	for _, e := range m.entries {
		if e.tag == "" && e.repo == repo {
			return e.buildDir
		}
	}
	return ""
}

// String lists the mapping for the log.
func (m Map) String() string {
	var out []string
	for _, e := range m.entries {
		out = append(out, e.key+"="+e.buildDir)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
