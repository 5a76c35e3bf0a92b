// Package hostexec is what Job pods and real SRS pods share to run a container's process
// on this host: bind mounts in a mount namespace of its own, the environment, exit codes.
package hostexec

import (
	"errors"
	"os/exec"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
)

// bindMount is one mount of the container: a folder on the machine and where the container sees it.
type BindMount struct {
	Src, Dst string
	ReadOnly bool
}

// appendMountArgs adds the "SRC DST ro|rw" triples and the "--" that end the mount part of the
// positional parameters both mount scripts (Job pods, real SRS pods) read.
func AppendMountArgs(line []string, mounts []BindMount) []string {
	for _, m := range mounts {
		ro := "rw"
		if m.ReadOnly {
			ro = "ro"
		}
		line = append(line, m.Src, m.Dst, ro)
	}
	return append(line, "--")
}

// bindMountsAndExec is the tail both Job pods and real SRS pods run: the src dst ro|rw triples
// up to "--" are bind-mounted, then the container's argv runs in $wd.
const BindMountsAndExec = `while [ "$1" != "--" ]; do
  mount --bind "$1" "$2"
  if [ "$3" = ro ]; then mount -o remount,bind,ro "$2"; fi
  shift 3
done
shift
cd "$wd"
exec "$@"`

// jobEnv: a plain environment plus the container's literal env values (valueFrom is not resolved).
func ContainerEnv(pod *v1.Pod, c *v1.Container) []string {
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "HOSTNAME=" + pod.Name}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env = append(env, e.Name+"="+e.Value)
		}
	}
	return env
}

// outputWaitDelay bounds how long the output of a finished process is still read: a child
// it left running in the background may hold its stdout open.
const OutputWaitDelay = 2 * time.Second

func ExitCode(cmd *exec.Cmd, err error) (int32, error) {
	if errors.Is(err, exec.ErrWaitDelay) { // exited; only its output was cut off
		err = nil
	}
	if err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 1, err
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int32(ws.Signal()), nil
	}
	return int32(cmd.ProcessState.ExitCode()), nil
}
