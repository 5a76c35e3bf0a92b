// Package realsrs runs real SRS builds in pods (SRS_K8S_REAL_SRS): which image runs which
// build, the process and its work folder, and a stand-in SRS for machines without a build.
package realsrs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	v1 "k8s.io/api/core/v1"
	"kubectl-srs.test/cluster/podsim/hostexec"
)

// A real SRS binary for an SRS container whose image is in the real-SRS mapping
// (realsrs_map.go). The process runs as a child of podsim in a network namespace and a
// mount namespace of its own:
//
//   - network: a veth pair; eth0 inside holds the pod IP (/32, default route via the node
//     IP), the cluster side is routed to the pod IP (a /32 in the local table, which beats
//     the cluster namespace's `local 10.244.0.0/16`), so the apiserver's pod proxy reaches
//     the real server on whatever ports its own config listens on. Both ends vanish with
//     the process, since nothing else holds the namespace.
//   - files: <pod dir>/work is bind-mounted on /usr/local/srs (the image's working folder):
//     the build folder seen through symlinks, except objs/ and objs/nginx/html/, which are
//     real folders so the pid file, logs and HLS output of one pod stay its own and the
//     build folder is never written. The pod's configMap volumes (the projected folders,
//     with their ..data swaps), persistentVolumeClaim and emptyDir volumes are bind-mounted
//     on their mountPaths, configMap read-only as kubelet does.
//
// stdout and stderr go to <pod dir>/<container>.log, which stays after the pod is gone.

// srsImageDir is the working folder of the ossrs/srs images (WORKDIR in their Dockerfile).
const SrsImageDir = "/usr/local/srs"

// srsImageCmd is the images' CMD, used when the container sets neither command nor args.
var srsImageCmd = []string{"./objs/srs", "-c", "conf/docker.conf"}

// realMarkerEnv is set in the environment of every real SRS so `cluster.sh down` can tell
// a pid in a pid file is still ours before it kills it.
const MarkerEnv = "PODSIM_POD_UID"

// realSRSScript runs as /bin/sh -c in the new namespaces. It waits until podsim has moved
// eth0 in (a line on fd 3), sets up the network and the mounts, then becomes SRS.
// Positional parameters: pod IP, gateway, working dir, src dst ro|rw triples, "--", argv.
const Script = `set -e
read -r go <&3
exec 3<&-
ip=$1 gw=$2 wd=$3; shift 3
ip link set lo up
ip addr add "$ip/32" dev eth0
ip link set eth0 up
ip route add "$gw" dev eth0 scope link
ip route add default via "$gw" dev eth0
mount --make-rprivate /
` + hostexec.BindMountsAndExec

type Proc struct {
	Cmd       *exec.Cmd
	Pid       int
	HostIf    string
	PodIP     string
	Probe     string // host:port the readiness check dials
	LogPath   string
	CloseLogs func() // the log file and the container log, once the output has ended
	PidPath   string
	DoneCh    chan struct{}
	ExitCode  int32
	Ready     bool // guarded by the pod's mu
}

func (r *Proc) Done() <-chan struct{} { return r.DoneCh }

// signal sends sig to SRS (the shell exec'd into it, so the pid is SRS's own). Other
// signals than SIGKILL go to its main thread, which SRS never blocks them on, so two
// signals sent in a row are handled in that order. With kill(2) the kernel may hand the
// second one to another thread while the thread that took the first has not run its
// handler yet: the SIGTERM that follows the preStop's SIGQUIT by microseconds (on a node
// the hook's exec puts milliseconds between them) was then handled first, and a
// many-threaded SRS (the Go stand-in) quit fast without ever seeing the SIGQUIT.
func (r *Proc) Signal(sig syscall.Signal) {
	select {
	case <-r.DoneCh:
		return
	default:
	}
	if sig == syscall.SIGKILL {
		_ = syscall.Kill(-r.Pid, sig) // the whole process group, forks included
		return
	}
	_ = syscall.Tgkill(r.Pid, r.Pid, sig)
}

// realArgv is the container's command line as a kubelet would build it for the SRS images,
// which have no ENTRYPOINT: command + args, or args alone, or the image's CMD.
func Argv(c *v1.Container) []string {
	switch {
	case len(c.Command) > 0:
		return append(append([]string{}, c.Command...), c.Args...)
	case len(c.Args) > 0:
		return append([]string{}, c.Args...)
	}
	return append([]string{}, srsImageCmd...)
}

// hostIfName names the cluster side of the veth (at most 15 bytes): one per container start,
// since the kernel may still be tearing the previous pair down.
func HostIfName(uid string, restart int32) string {
	sum := sha256.Sum256([]byte(uid + "/" + strconv.Itoa(int(restart))))
	return "vp" + hex.EncodeToString(sum[:])[:11]
}

// materialize makes rel (a path inside work) a real folder, or a real file when asFile, so
// a bind mount can land on it: symlinks into the build folder on the way are replaced by
// folders holding symlinks to their entries.
func Materialize(work, rel string, asFile bool) error {
	parts := strings.Split(filepath.Clean(rel), string(filepath.Separator))
	cur := work
	for i, part := range parts {
		if part == "" || part == "." {
			continue
		}
		if part == ".." {
			return fmt.Errorf("%q leaves the working folder", rel)
		}
		cur = filepath.Join(cur, part)
		last := i == len(parts)-1
		st, err := os.Lstat(cur)
		switch {
		case errors.Is(err, os.ErrNotExist):
			if last && asFile {
				if err := os.WriteFile(cur, nil, 0o644); err != nil {
					return err
				}
			} else if err := os.Mkdir(cur, 0o755); err != nil {
				return err
			}
		case err != nil:
			return err
		case st.Mode()&os.ModeSymlink != 0:
			target, err := filepath.EvalSymlinks(cur)
			if err != nil {
				return err
			}
			tst, err := os.Stat(target)
			if err != nil {
				return err
			}
			if err := os.Remove(cur); err != nil {
				return err
			}
			if !tst.IsDir() {
				if !last || !asFile {
					return fmt.Errorf("%s is a file in the build folder, not a folder", filepath.Join(parts[:i+1]...))
				}
				if err := os.WriteFile(cur, nil, 0o644); err != nil {
					return err
				}
				continue
			}
			if err := os.Mkdir(cur, 0o755); err != nil {
				return err
			}
			if err := linkEntries(target, cur); err != nil {
				return err
			}
		}
	}
	return nil
}

// linkEntries fills dst with a symlink to every entry of src.
func linkEntries(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// prepareWorkDir makes a fresh working folder (a restarted container starts from the image
// again): the build folder's entries as symlinks, objs/ and objs/nginx/html/ real folders.
func PrepareWorkDir(build, work string) error {
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	if err := linkEntries(build, work); err != nil {
		return err
	}
	return Materialize(work, "objs/nginx/html", false)
}

// removePodDir removes a pod's state folder; the logs of real SRS containers stay.
func RemovePodDir(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	keep := false
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".log") {
			keep = true
			continue
		}
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
	if !keep {
		os.Remove(dir)
	}
}
