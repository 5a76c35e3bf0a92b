package jobs

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
	"kubectl-srs.test/cluster/podsim/containerlog"
	"kubectl-srs.test/cluster/podsim/dns"
	"kubectl-srs.test/cluster/podsim/hostexec"
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
type ExecRunner struct {
	StateDir string
	Fallback Runner
	Logf     func(string, ...any)
	unshare  string            // path of unshare(1); "" means "unshare" from PATH
	Console  *containerlog.Log // the container's log for kubectl logs; nil: only the job log file
	Dns      dns.ClusterDNS    // the pod's /etc/resolv.conf (dnsPolicy ClusterFirst: the cluster DNS)
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
func JobLogPath(stateDir, namespace, pod, container string) string {
	return filepath.Join(jobDir(stateDir, namespace, pod), container+".log")
}

// mountsOf resolves the container's volume mounts to folders, creating them on first use.
// Mounts of other volume kinds (configMap, secret, hostPath...) are not made.
func (r ExecRunner) MountsOf(pod *v1.Pod, c *v1.Container) ([]hostexec.BindMount, error) {
	vols := map[string]v1.Volume{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
	}
	var out []hostexec.BindMount
	for _, m := range c.VolumeMounts {
		v, ok := vols[m.Name]
		if !ok {
			return nil, fmt.Errorf("volume mount %q names no volume of the pod", m.Name)
		}
		var src string
		switch {
		case v.PersistentVolumeClaim != nil:
			src = claimDir(r.StateDir, pod.Namespace, v.PersistentVolumeClaim.ClaimName)
		case v.EmptyDir != nil:
			src = filepath.Join(jobDir(r.StateDir, pod.Namespace, pod.Name), "emptydir", v.Name)
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
		out = append(out, hostexec.BindMount{Src: src, Dst: filepath.Clean(m.MountPath), ReadOnly: m.ReadOnly})
	}
	return out, nil
}

// mountScript runs as /bin/sh -c inside the new mount namespace. Positional parameters:
// the working directory, then src dst ro|rw triples, then "--", then the container's argv.
// Nothing from the pod is ever part of the script text itself.
const mountScript = `set -e
wd=$1; shift
` + hostexec.BindMountsAndExec

// commandLine is what the child process runs: unshare, the mount script and its parameters.
func (r ExecRunner) commandLine(mounts []hostexec.BindMount, workingDir string, argv []string) []string {
	unshare := r.unshare
	if unshare == "" {
		unshare = "unshare"
	}
	line := []string{unshare, "--mount", "--propagation", "private", "--", "/bin/sh", "-c", mountScript, "podsim-job", workingDir}
	return append(hostexec.AppendMountArgs(line, mounts), argv...)
}

func (r ExecRunner) Run(ctx context.Context, pod *v1.Pod, c *v1.Container) (int32, error) {
	if c == nil || !isShellImage(c.Image) {
		return r.Fallback.Run(ctx, pod, c)
	}
	argv := append(append([]string{}, c.Command...), c.Args...)
	if len(argv) == 0 {
		argv = []string{"/bin/sh", "-c", "true"} // the images' default command is an interactive shell: nothing to do
	}
	logPath := JobLogPath(r.StateDir, pod.Namespace, pod.Name, c.Name)
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return 1, err
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 1, err
	}
	defer logFile.Close()
	mounts, err := r.MountsOf(pod, c)
	if err != nil {
		fmt.Fprintf(logFile, "podsim: %v\n", err)
		return 1, err
	}
	for _, m := range mounts {
		// The mount point must exist on the machine; an empty folder is created when it does not.
		if _, err := os.Stat(m.Dst); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(m.Dst, 0o755); err != nil {
				return 1, err
			}
			r.Logf("%s/%s: created mount point %s on the machine", pod.Namespace, pod.Name, m.Dst)
		}
	}
	resolv, err := dns.ResolvConfMount(pod, r.Dns, jobDir(r.StateDir, pod.Namespace, pod.Name))
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
	if r.Console != nil {
		stdout, stderr = io.MultiWriter(logFile, r.Console.Stdout()), io.MultiWriter(logFile, r.Console.Stderr())
	}
	return runWithDeadline(ctx, line, hostexec.ContainerEnv(pod, c), stdout, stderr, logFile, timeout)
}

// runWithDeadline runs line in its own process group with its output to stdout and stderr
// (podsim's own notes go to w), and kills the whole group when ctx ends or the timeout
// passes. The result is the exit code a container shows: the process's own, or 128+signal.
func runWithDeadline(ctx context.Context, line, env []string, stdout, stderr, w io.Writer, timeout time.Duration) (int32, error) {
	cmd := exec.Command(line[0], line[1:]...)
	cmd.Env, cmd.Stdout, cmd.Stderr, cmd.Dir = env, stdout, stderr, "/"
	cmd.WaitDelay = hostexec.OutputWaitDelay
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
		return hostexec.ExitCode(cmd, err)
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
