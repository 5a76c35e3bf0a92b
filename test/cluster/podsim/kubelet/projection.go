package kubelet

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
)

// ConfigMap volumes, projected like kubelet's atomic writer does it:
//
//	<dir>/..2026_11_25_21_31_42.917705656/srs.conf   the payload of one version
//	<dir>/..data -> ..2026_11_25_21_31_42.917705656    swapped by renaming ..data_tmp over it
//	<dir>/srs.conf -> ..data/srs.conf                  what the container sees
//
// The swap is the event SRS's inotify watcher reacts to (name "..data"). Kubelet applies a
// ConfigMap change only on its next sync; --kubelet-sync-delay stands in for that delay.

type podVolume struct {
	Name      string // volume name in the pod
	ConfigMap string
	Optional  bool
	Items     []v1.KeyToPath
	Dir       string // host directory
	lastHash  string
}

// configMapVolumes lists the pod's configMap volumes (projected volumes are not simulated).
func configMapVolumes(pod *v1.Pod, podDir string) []*podVolume {
	var out []*podVolume
	for _, vol := range pod.Spec.Volumes {
		cm := vol.ConfigMap
		if cm == nil {
			continue
		}
		out = append(out, &podVolume{
			Name: vol.Name, ConfigMap: cm.Name, Optional: cm.Optional != nil && *cm.Optional,
			Items: cm.Items, Dir: filepath.Join(podDir, "volumes", vol.Name),
		})
	}
	return out
}

// payloadFor maps file paths to contents. cm may be nil for a missing optional ConfigMap.
func (v *podVolume) payloadFor(cm *v1.ConfigMap) (map[string][]byte, error) {
	all := map[string][]byte{}
	if cm != nil {
		for k, s := range cm.Data {
			all[k] = []byte(s)
		}
		for k, b := range cm.BinaryData {
			all[k] = b
		}
	}
	if len(v.Items) == 0 {
		return all, nil
	}
	out := map[string][]byte{}
	for _, it := range v.Items {
		b, ok := all[it.Key]
		if !ok {
			if v.Optional {
				continue
			}
			return nil, fmt.Errorf("configmap %q has no key %q", v.ConfigMap, it.Key)
		}
		out[path.Clean(it.Path)] = b
	}
	return out, nil
}

func payloadHash(p map[string][]byte) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%d\x00", k, len(p[k]))
		h.Write(p[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// write projects the payload; it reports whether ..data was swapped.
func (v *podVolume) write(payload map[string][]byte) (bool, error) {
	hash := payloadHash(payload)
	if hash == v.lastHash {
		return false, nil
	}
	if err := os.MkdirAll(v.Dir, 0o755); err != nil {
		return false, err
	}
	dataLink := filepath.Join(v.Dir, "..data")
	oldTarget, _ := os.Readlink(dataLink)

	now := time.Now()
	tsName := ".." + now.Format("2006_01_02_15_04_05.") + fmt.Sprintf("%09d", now.Nanosecond())
	tsDir := filepath.Join(v.Dir, tsName)
	if err := os.MkdirAll(tsDir, 0o755); err != nil {
		return false, err
	}
	for p, b := range payload {
		f := filepath.Join(tsDir, p)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return false, err
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return false, err
		}
	}
	tmpLink := filepath.Join(v.Dir, "..data_tmp")
	os.Remove(tmpLink)
	if err := os.Symlink(tsName, tmpLink); err != nil {
		return false, err
	}
	if err := os.Rename(tmpLink, dataLink); err != nil {
		return false, err
	}

	// User-visible names: one symlink per top-level entry, into ..data.
	top := map[string]bool{}
	for p := range payload {
		top[strings.SplitN(p, "/", 2)[0]] = true
	}
	for name := range top {
		link := filepath.Join(v.Dir, name)
		if _, err := os.Lstat(link); os.IsNotExist(err) {
			if err := os.Symlink(filepath.Join("..data", name), link); err != nil {
				return false, err
			}
		}
	}
	entries, _ := os.ReadDir(v.Dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "..") && !top[e.Name()] {
			os.Remove(filepath.Join(v.Dir, e.Name()))
		}
	}
	if oldTarget != "" && oldTarget != tsName {
		os.RemoveAll(filepath.Join(v.Dir, oldTarget))
	}
	v.lastHash = hash
	return true, nil
}

// hostPathFor resolves a path inside the container to the projected file on the host, via
// the container's volume mounts. ok is false when no configMap volume covers it. subPath
// reports a subPath mount, which kubelet binds once and never updates.
func hostPathFor(c *v1.Container, vols []*podVolume, containerPath string) (hostPath string, vol *podVolume, subPath, ok bool) {
	var best *v1.VolumeMount
	for i := range c.VolumeMounts {
		m := &c.VolumeMounts[i]
		mp := strings.TrimSuffix(m.MountPath, "/")
		if containerPath == mp || strings.HasPrefix(containerPath, mp+"/") {
			if best == nil || len(mp) > len(strings.TrimSuffix(best.MountPath, "/")) {
				best = m
			}
		}
	}
	if best == nil {
		return "", nil, false, false
	}
	for _, v := range vols {
		if v.Name != best.Name {
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(containerPath, strings.TrimSuffix(best.MountPath, "/")), "/")
		if best.SubPath != "" {
			rel = path.Join(best.SubPath, rel)
		}
		return filepath.Join(v.Dir, rel), v, best.SubPath != "", true
	}
	return "", nil, false, false
}
