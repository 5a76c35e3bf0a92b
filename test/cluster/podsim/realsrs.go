package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
const srsImageDir = "/usr/local/srs"

// srsImageCmd is the images' CMD, used when the container sets neither command nor args.
var srsImageCmd = []string{"./objs/srs", "-c", "conf/docker.conf"}

// realMarkerEnv is set in the environment of every real SRS so `cluster.sh down` can tell
// a pid in a pid file is still ours before it kills it.
const realMarkerEnv = "PODSIM_POD_UID"

// realSRSScript runs as /bin/sh -c in the new namespaces. It waits until podsim has moved
// eth0 in (a line on fd 3), sets up the network and the mounts, then becomes SRS.
// Positional parameters: pod IP, gateway, working dir, src dst ro|rw triples, "--", argv.
const realSRSScript = `set -e
read -r go <&3
exec 3<&-
ip=$1 gw=$2 wd=$3; shift 3
ip link set lo up
ip addr add "$ip/32" dev eth0
ip link set eth0 up
ip route add "$gw" dev eth0 scope link
ip route add default via "$gw" dev eth0
mount --make-rprivate /
` + bindMountsAndExec

type realProc struct {
	cmd       *exec.Cmd
	pid       int
	hostIf    string
	podIP     string
	probe     string // host:port the readiness check dials
	logPath   string
	closeLogs func() // the log file and the container log, once the output has ended
	pidPath   string
	done      chan struct{}
	exitCode  int32
	ready     bool // guarded by the pod's mu
}

func (r *realProc) Done() <-chan struct{} { return r.done }

// signal sends sig to SRS (the shell exec'd into it, so the pid is SRS's own). Other
// signals than SIGKILL go to its main thread, which SRS never blocks them on, so two
// signals sent in a row are handled in that order. With kill(2) the kernel may hand the
// second one to another thread while the thread that took the first has not run its
// handler yet: the SIGTERM that follows the preStop's SIGQUIT by microseconds (on a node
// the hook's exec puts milliseconds between them) was then handled first, and a
// many-threaded SRS (the Go stand-in) quit fast without ever seeing the SIGQUIT.
func (r *realProc) signal(sig syscall.Signal) {
	select {
	case <-r.done:
		return
	default:
	}
	if sig == syscall.SIGKILL {
		_ = syscall.Kill(-r.pid, sig) // the whole process group, forks included
		return
	}
	_ = syscall.Tgkill(r.pid, r.pid, sig)
}

// realArgv is the container's command line as a kubelet would build it for the SRS images,
// which have no ENTRYPOINT: command + args, or args alone, or the image's CMD.
func realArgv(c *v1.Container) []string {
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
func hostIfName(uid string, restart int32) string {
	sum := sha256.Sum256([]byte(uid + "/" + strconv.Itoa(int(restart))))
	return "vp" + hex.EncodeToString(sum[:])[:11]
}

// materialize makes rel (a path inside work) a real folder, or a real file when asFile, so
// a bind mount can land on it: symlinks into the build folder on the way are replaced by
// folders holding symlinks to their entries.
func materialize(work, rel string, asFile bool) error {
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
func prepareWorkDir(build, work string) error {
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	if err := linkEntries(build, work); err != nil {
		return err
	}
	return materialize(work, "objs/nginx/html", false)
}

// realMounts lists the bind mounts of the container, outermost first, and makes their
// mount points: inside the working folder for paths under /usr/local/srs, else on the
// machine (an empty folder or file, logged, as for Job pods).
func (k *Kubelet) realMounts(sp *simPod, pod *v1.Pod, c *v1.Container, work string) ([]bindMount, error) {
	mounts := []bindMount{{src: work, dst: srsImageDir}}
	cmVols := map[string]*podVolume{}
	for _, v := range sp.volumes {
		cmVols[v.Name] = v
	}
	for _, m := range c.VolumeMounts {
		v := cmVols[m.Name]
		if v == nil {
			continue
		}
		src := v.Dir
		if m.SubPath != "" {
			if filepath.IsAbs(m.SubPath) || strings.Contains("/"+m.SubPath+"/", "/../") {
				return nil, fmt.Errorf("subPath %q of mount %q is not a plain relative path", m.SubPath, m.Name)
			}
			// kubelet binds the file the subPath resolves to at start: later swaps do not show.
			resolved, err := filepath.EvalSymlinks(filepath.Join(v.Dir, m.SubPath))
			if err != nil {
				return nil, fmt.Errorf("subPath %q of mount %q: %w", m.SubPath, m.Name, err)
			}
			src = resolved
		}
		if !filepath.IsAbs(m.MountPath) || filepath.Clean(m.MountPath) == "/" {
			return nil, fmt.Errorf("mountPath %q of mount %q: only absolute paths other than / are mounted", m.MountPath, m.Name)
		}
		mounts = append(mounts, bindMount{src: src, dst: filepath.Clean(m.MountPath), readOnly: true})
	}
	others, err := execJobRunner{stateDir: k.cfg.StateDir}.mountsOf(pod, c) // claims and emptyDirs
	if err != nil {
		return nil, err
	}
	mounts = append(mounts, others...)
	resolv, err := resolvConfMount(pod, k.cfg.DNS, filepath.Dir(work))
	if err != nil {
		return nil, fmt.Errorf("resolv.conf: %w", err)
	}
	if resolv != nil {
		mounts = append(mounts, *resolv)
	}
	sort.SliceStable(mounts, func(i, j int) bool { return len(mounts[i].dst) < len(mounts[j].dst) })

	for _, m := range mounts {
		st, err := os.Stat(m.src)
		if err != nil {
			return nil, err
		}
		asFile := !st.IsDir()
		if rel, ok := strings.CutPrefix(m.dst, srsImageDir+"/"); ok {
			if err := materialize(work, rel, asFile); err != nil {
				return nil, fmt.Errorf("mount point %s: %w", m.dst, err)
			}
			continue
		}
		if _, err := os.Stat(m.dst); errors.Is(err, os.ErrNotExist) {
			if asFile {
				if err := os.MkdirAll(filepath.Dir(m.dst), 0o755); err != nil {
					return nil, err
				}
				err = os.WriteFile(m.dst, nil, 0o644)
			} else {
				err = os.MkdirAll(m.dst, 0o755)
			}
			if err != nil {
				return nil, err
			}
			k.logf("%s: created mount point %s on the machine", sp.key, m.dst)
		}
	}
	return mounts, nil
}

// probeAddr is what readiness dials: the API port of the config SRS starts with (the
// RTMP port when the API is off).
func (k *Kubelet) probeAddr(sp *simPod, c *v1.Container) string {
	port := 1985
	read, _ := k.confReader(c, sp.volumes)
	if text, err := read(); err == nil {
		if root, err := parseSRSConf(text); err == nil {
			s := settingsFromConf(root)
			port = s.RTMPPort
			if s.APIEnabled && s.APIPort > 0 {
				port = s.APIPort
			}
		}
	}
	return net.JoinHostPort(sp.ip, strconv.Itoa(port))
}

// startReal starts the real SRS of the pod. Called with sp.mu held.
func (k *Kubelet) startReal(sp *simPod, pod *v1.Pod, c *v1.Container) (*realProc, error) {
	dir := k.podDir(sp.ns, sp.name)
	work := filepath.Join(dir, "work")
	if err := prepareWorkDir(sp.realBuild, work); err != nil {
		return nil, fmt.Errorf("working folder: %w", err)
	}
	mounts, err := k.realMounts(sp, pod, c, work)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(srsImageDir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(srsImageDir, 0o755); err != nil {
			return nil, err
		}
		k.logf("%s: created mount point %s on the machine", sp.key, srsImageDir)
	}
	wd := c.WorkingDir
	if wd == "" {
		wd = srsImageDir
	}
	line := appendMountArgs([]string{"/bin/sh", "-c", realSRSScript, "podsim-srs", sp.ip, k.cfg.NodeIP, wd}, mounts)
	line = append(line, realArgv(c)...)

	rp := &realProc{
		podIP: sp.ip, probe: k.probeAddr(sp, c), done: make(chan struct{}),
		hostIf:  hostIfName(string(sp.uid), sp.restarts[c.Name]),
		logPath: filepath.Join(dir, c.Name+".log"), pidPath: filepath.Join(dir, "srs.pid"),
	}
	logFile, err := os.OpenFile(rp.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	console, err := k.openContainerLog(sp, c.Name, sp.restarts[c.Name])
	if err != nil {
		logFile.Close()
		return nil, err
	}
	// The output goes through podsim (pipes) to both logs; they are closed once the
	// process is reaped (waitReal), or here when it does not start.
	rp.closeLogs = func() { console.Close(); logFile.Close() }
	started := false
	defer func() {
		if !started {
			rp.closeLogs()
		}
	}()
	fmt.Fprintf(logFile, "podsim: %s starting %s from %s\n", time.Now().Format(time.RFC3339), strings.Join(realArgv(c), " "), sp.realBuild)
	goR, goW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer goR.Close()
	defer goW.Close()

	env := append(jobEnv(pod, c), realMarkerEnv+"="+string(sp.uid))
	env[0] = "PATH=" + srsImageDir + "/objs:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	cmd := exec.Command(line[0], line[1:]...)
	cmd.Env, cmd.Stdout, cmd.Stderr, cmd.Dir = env, io.MultiWriter(logFile, console.Stdout()), io.MultiWriter(logFile, console.Stderr()), "/"
	cmd.WaitDelay = outputWaitDelay
	cmd.ExtraFiles = []*os.File{goR} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWNS,
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL, // podsim gone, SRS gone
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	rp.cmd, rp.pid = cmd, cmd.Process.Pid
	if err := k.wireVeth(rp); err != nil {
		_ = syscall.Kill(-rp.pid, syscall.SIGKILL)
		_ = cmd.Wait()
		exec.Command("ip", "link", "del", rp.hostIf).Run()
		fmt.Fprintf(logFile, "podsim: network: %v\n", err)
		return nil, fmt.Errorf("network: %w", err)
	}
	goW.Write([]byte("go\n"))
	os.WriteFile(rp.pidPath, []byte(strconv.Itoa(rp.pid)+"\n"), 0o644)
	k.logf("%s: real SRS from %s, pid %d, %s on %s", sp.key, sp.realBuild, rp.pid, sp.ip, rp.hostIf)

	started = true
	go k.waitReal(sp, rp)
	go k.probeReal(sp, rp)
	return rp, nil
}

// wireVeth creates the veth pair with its pod end (eth0) in the new network namespace and
// routes the pod IP to it from the cluster namespace.
func (k *Kubelet) wireVeth(rp *realProc) error {
	steps := [][]string{
		{"link", "add", rp.hostIf, "type", "veth", "peer", "name", "eth0", "netns", strconv.Itoa(rp.pid)},
		{"addr", "add", k.cfg.NodeIP + "/32", "dev", rp.hostIf},
		{"link", "set", rp.hostIf, "up"},
		{"route", "replace", rp.podIP + "/32", "dev", rp.hostIf, "table", "local"},
	}
	for _, s := range steps {
		if out, err := exec.Command("ip", s...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(s, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// waitReal reaps the process, takes its veth away and, unless the pod is being deleted,
// restarts the container with a growing back-off.
func (k *Kubelet) waitReal(sp *simPod, rp *realProc) {
	err := rp.cmd.Wait()
	rp.closeLogs()
	code, _ := exitCodeOf(rp.cmd, err)
	rp.exitCode = code
	exec.Command("ip", "link", "del", rp.hostIf).Run() // gone with the namespace already, normally
	os.Remove(rp.pidPath)
	k.logf("%s: real SRS pid %d exited with %d", sp.key, rp.pid, code)

	// done closes once the restart is decided, so stopAllReal returns with none pending.
	sp.mu.Lock()
	if sp.real != rp || sp.terminating || k.stopping.Load() {
		sp.mu.Unlock()
		close(rp.done)
		return
	}
	c := sp.srsContainer
	started := sp.containerStart[c]
	sp.restarts[c]++
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	sp.lastTerm[c] = &v1.ContainerStateTerminated{
		ExitCode: code, Reason: reason, StartedAt: started, FinishedAt: metav1.Now(),
		ContainerID: containerID(sp, c, sp.restarts[c]-1),
	}
	sp.real = nil
	sp.needsRestart = true
	backoff := time.Second << min(sp.restarts[c]-1, 5) // 1 s, 2 s ... 32 s
	sp.mu.Unlock()
	close(rp.done)
	k.patchLatest(sp)
	time.AfterFunc(backoff, func() { k.queue.Add(sp.key) })
}

// probeReal marks the container ready once the API port answers a TCP connect.
func (k *Kubelet) probeReal(sp *simPod, rp *realProc) {
	for {
		conn, err := net.DialTimeout("tcp", rp.probe, 300*time.Millisecond)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case <-rp.done:
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	sp.mu.Lock()
	ok := sp.real == rp && !sp.terminating
	if ok {
		rp.ready = true
	}
	sp.mu.Unlock()
	if ok {
		k.logf("%s: real SRS answers on %s: Ready", sp.key, rp.probe)
		k.patchLatest(sp)
	}
}

// patchLatest sends the pod's status computed against the latest pod object.
func (k *Kubelet) patchLatest(sp *simPod) {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		var pod *v1.Pod
		if pod, err = k.podLister.Pods(sp.ns).Get(sp.name); err != nil {
			return
		}
		sp.mu.Lock()
		if pod.UID != sp.uid || sp.terminating {
			sp.mu.Unlock()
			return
		}
		err = k.patchStatus(context.Background(), sp, pod)
		sp.mu.Unlock()
		if err == nil {
			return
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
	k.logf("%s: status: %v", sp.key, err)
}

// terminateReal is kubelet's shutdown for a real SRS: the preStop hook (a SIGQUIT hook
// becomes SIGQUIT, a sleep waits), then SIGTERM, then SIGKILL at the deadline.
func (k *Kubelet) terminateReal(sp *simPod, pod *v1.Pod, rp *realProc, grace time.Duration, deadline time.Time) {
	action, sleep := preStopAction(containerByName(pod, sp.srsContainer))
	k.logf("%s: terminating real SRS pid %d (grace %s, preStop %s)", sp.key, rp.pid, grace, action)
	switch action {
	case "quit":
		rp.signal(syscall.SIGQUIT)
	case "sleep":
		select {
		case <-time.After(min(sleep, time.Until(deadline))):
		case <-rp.Done():
		}
	}
	rp.signal(syscall.SIGTERM)
	select {
	case <-rp.Done():
	case <-time.After(time.Until(deadline)):
		k.logf("%s: grace period over, SIGKILL", sp.key)
		rp.signal(syscall.SIGKILL)
		select {
		case <-rp.Done():
		case <-time.After(5 * time.Second):
		}
	}
}

// stopAllReal kills every real SRS at once (podsim is stopping). None restarts: the
// kubelet may still be syncing (a test's cleanup), and a killed process would otherwise
// count as a crashed container, started again while its folders are being removed.
func (k *Kubelet) stopAllReal() {
	k.stopping.Store(true)
	k.mu.Lock()
	var rps []*realProc
	for _, sp := range k.pods {
		sp.mu.Lock()
		if sp.real != nil {
			rps = append(rps, sp.real)
		}
		sp.mu.Unlock()
	}
	k.mu.Unlock()
	for _, rp := range rps {
		rp.signal(syscall.SIGKILL)
	}
	for _, rp := range rps {
		select {
		case <-rp.Done():
		case <-time.After(5 * time.Second):
		}
	}
}

// removePodDir removes a pod's state folder; the logs of real SRS containers stay.
func removePodDir(dir string) {
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
