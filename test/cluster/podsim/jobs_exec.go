package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
)

// shellImages are the repositories whose Job containers podsim really runs: general-purpose
// images that ship /bin/sh and the usual tools (find, rm, ...). The registry and owner part
// of the image is ignored, so docker.io/library/busybox:1.36 and centos:7 both match.
var shellImages = map[string]bool{"busybox": true, "alpine": true, "debian": true, "ubuntu": true, "centos": true}

// defaultJobTimeout bounds a container without activeDeadlineSeconds.
const defaultJobTimeout = 10 * time.Minute

// isShellImage tells whether an image reference names one of shellImages.
func isShellImage(image string) bool {
	ref := image
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	repo := ref
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		repo = ref[:i]
	}
	return shellImages[path.Base(repo)]
}

// execJobRunner runs the main container of Job pods with a shell image as a child process
// of podsim (so inside the cluster's network namespace), in a private mount namespace where
// every PersistentVolumeClaim mount is a bind mount of <state-dir>/volumes/<ns>/<claim>/ and
// every emptyDir a bind mount of a folder under the pod's job folder. Other images go to
// the fallback runner.
type execJobRunner struct {
	stateDir string
	fallback JobRunner
	logf     func(string, ...any)
	unshare  string        // path of unshare(1); "" means "unshare" from PATH
	console  *containerLog // the container's log for kubectl logs; nil: only the job log file
	dns      clusterDNS    // the pod's /etc/resolv.conf (dnsPolicy ClusterFirst: the cluster DNS)
}

// bindMount is one mount of the container: a folder on the machine and where the container sees it.
type bindMount struct {
	src, dst string
	readOnly bool
}

// appendMountArgs adds the "SRC DST ro|rw" triples and the "--" that end the mount part of the
// positional parameters both mount scripts (Job pods, real SRS pods) read.
func appendMountArgs(line []string, mounts []bindMount) []string {
	for _, m := range mounts {
		ro := "rw"
		if m.readOnly {
			ro = "ro"
		}
		line = append(line, m.src, m.dst, ro)
	}
	return append(line, "--")
}

// claimDir is the local folder that holds the contents of one claim.
func claimDir(stateDir, namespace, claim string) string {
	return filepath.Join(stateDir, "volumes", namespace, claim)
}

// jobDir holds what podsim keeps of one Job pod: its output and emptyDir folders. It outlives
// the pod (kubectl logs, served from the container log, goes with the pod), so tests can
// still read what a Job printed.
func jobDir(stateDir, namespace, pod string) string {
	return filepath.Join(stateDir, "jobs", namespace, pod)
}

// jobLogPath is where stdout and stderr of a container of a Job pod go.
func jobLogPath(stateDir, namespace, pod, container string) string {
	return filepath.Join(jobDir(stateDir, namespace, pod), container+".log")
}

// mountsOf resolves the container's volume mounts to folders, creating them on first use.
// Mounts of other volume kinds (configMap, secret, hostPath...) are not made.
func (r execJobRunner) mountsOf(pod *v1.Pod, c *v1.Container) ([]bindMount, error) {
	vols := map[string]v1.Volume{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
	}
	var out []bindMount
	for _, m := range c.VolumeMounts {
		v, ok := vols[m.Name]
		if !ok {
			return nil, fmt.Errorf("volume mount %q names no volume of the pod", m.Name)
		}
		var src string
		switch {
		case v.PersistentVolumeClaim != nil:
			src = claimDir(r.stateDir, pod.Namespace, v.PersistentVolumeClaim.ClaimName)
		case v.EmptyDir != nil:
			src = filepath.Join(jobDir(r.stateDir, pod.Namespace, pod.Name), "emptydir", v.Name)
		default:
			continue
		}
		if m.SubPath != "" {
			if filepath.IsAbs(m.SubPath) || strings.Contains("/"+m.SubPath+"/", "/../") {
				return nil, fmt.Errorf("subPath %q of mount %q is not a plain relative path", m.SubPath, m.Name)
			}
			src = filepath.Join(src, m.SubPath)
		}
		if !filepath.IsAbs(m.MountPath) || filepath.Clean(m.MountPath) == "/" {
			return nil, fmt.Errorf("mountPath %q of mount %q: podsim mounts only absolute paths other than /", m.MountPath, m.Name)
		}
		if err := os.MkdirAll(src, 0o755); err != nil {
			return nil, err
		}
		out = append(out, bindMount{src: src, dst: filepath.Clean(m.MountPath), readOnly: m.ReadOnly})
	}
	return out, nil
}

// mountScript runs as /bin/sh -c inside the new mount namespace. Positional parameters:
// the working directory, then src dst ro|rw triples, then "--", then the container's argv.
// Nothing from the pod is ever part of the script text itself.
const mountScript = `set -e
wd=$1; shift
` + bindMountsAndExec

// bindMountsAndExec is the tail both Job pods and real SRS pods run: the src dst ro|rw triples
// up to "--" are bind-mounted, then the container's argv runs in $wd.
const bindMountsAndExec = `while [ "$1" != "--" ]; do
  mount --bind "$1" "$2"
  if [ "$3" = ro ]; then mount -o remount,bind,ro "$2"; fi
  shift 3
done
shift
cd "$wd"
exec "$@"`

// commandLine is what the child process runs: unshare, the mount script and its parameters.
func (r execJobRunner) commandLine(mounts []bindMount, workingDir string, argv []string) []string {
	unshare := r.unshare
	if unshare == "" {
		unshare = "unshare"
	}
	line := []string{unshare, "--mount", "--propagation", "private", "--", "/bin/sh", "-c", mountScript, "podsim-job", workingDir}
	return append(appendMountArgs(line, mounts), argv...)
}

// jobEnv: a plain environment plus the container's literal env values (valueFrom is not resolved).
func jobEnv(pod *v1.Pod, c *v1.Container) []string {
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "HOSTNAME=" + pod.Name}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env = append(env, e.Name+"="+e.Value)
		}
	}
	return env
}

func (r execJobRunner) Run(ctx context.Context, pod *v1.Pod, c *v1.Container) (int32, error) {
	if c == nil || !isShellImage(c.Image) {
		return r.fallback.Run(ctx, pod, c)
	}
	argv := append(append([]string{}, c.Command...), c.Args...)
	if len(argv) == 0 {
		argv = []string{"/bin/sh", "-c", "true"} // the images' default command is an interactive shell: nothing to do
	}
	logPath := jobLogPath(r.stateDir, pod.Namespace, pod.Name, c.Name)
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return 1, err
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 1, err
	}
	defer logFile.Close()
	mounts, err := r.mountsOf(pod, c)
	if err != nil {
		fmt.Fprintf(logFile, "podsim: %v\n", err)
		return 1, err
	}
	for _, m := range mounts {
		// The mount point must exist on the machine; an empty folder is created when it does not.
		if _, err := os.Stat(m.dst); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(m.dst, 0o755); err != nil {
				return 1, err
			}
			r.logf("%s/%s: created mount point %s on the machine", pod.Namespace, pod.Name, m.dst)
		}
	}
	resolv, err := resolvConfMount(pod, r.dns, jobDir(r.stateDir, pod.Namespace, pod.Name))
	if err != nil {
		fmt.Fprintf(logFile, "podsim: resolv.conf: %v\n", err)
		return 1, err
	}
	if resolv != nil {
		mounts = append(mounts, *resolv)
	}
	timeout := defaultJobTimeout
	if d := pod.Spec.ActiveDeadlineSeconds; d != nil && *d > 0 {
		timeout = time.Duration(*d) * time.Second
	}
	wd := c.WorkingDir
	if wd == "" {
		wd = "/"
	}
	line := r.commandLine(mounts, wd, argv)
	stdout, stderr := io.Writer(logFile), io.Writer(logFile)
	if r.console != nil {
		stdout, stderr = io.MultiWriter(logFile, r.console.Stdout()), io.MultiWriter(logFile, r.console.Stderr())
	}
	return runWithDeadline(ctx, line, jobEnv(pod, c), stdout, stderr, logFile, timeout)
}

// outputWaitDelay bounds how long the output of a finished process is still read: a child
// it left running in the background may hold its stdout open.
const outputWaitDelay = 2 * time.Second

// runWithDeadline runs line in its own process group with its output to stdout and stderr
// (podsim's own notes go to w), and kills the whole group when ctx ends or the timeout
// passes. The result is the exit code a container shows: the process's own, or 128+signal.
func runWithDeadline(ctx context.Context, line, env []string, stdout, stderr, w io.Writer, timeout time.Duration) (int32, error) {
	cmd := exec.Command(line[0], line[1:]...)
	cmd.Env, cmd.Stdout, cmd.Stderr, cmd.Dir = env, stdout, stderr, "/"
	cmd.WaitDelay = outputWaitDelay
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(w, "podsim: cannot start: %v\n", err)
		return 127, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var why error
	select {
	case err := <-done:
		return exitCodeOf(cmd, err)
	case <-timer.C:
		why = fmt.Errorf("deadline of %s exceeded", timeout)
	case <-ctx.Done():
		why = ctx.Err()
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
	fmt.Fprintf(w, "podsim: killed: %v\n", why)
	return 137, why
}

func exitCodeOf(cmd *exec.Cmd, err error) (int32, error) {
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
