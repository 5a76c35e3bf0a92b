package kubelet

import (
	"context"
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
	"kubectl-srs.test/cluster/podsim/dns"
	"kubectl-srs.test/cluster/podsim/hostexec"
	"kubectl-srs.test/cluster/podsim/jobs"
	"kubectl-srs.test/cluster/podsim/realsrs"
	"kubectl-srs.test/cluster/podsim/simsrs"
)

// realMounts lists the bind mounts of the container, outermost first, and makes their
// mount points: inside the working folder for paths under /usr/local/srs, else on the
// machine (an empty folder or file, logged, as for Job pods).
func (k *Kubelet) realMounts(sp *simPod, pod *v1.Pod, c *v1.Container, work string) ([]hostexec.BindMount, error) {
	mounts := []hostexec.BindMount{{Src: work, Dst: realsrs.SrsImageDir}}
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
		mounts = append(mounts, hostexec.BindMount{Src: src, Dst: filepath.Clean(m.MountPath), ReadOnly: true})
	}
	others, err := jobs.ExecRunner{StateDir: k.cfg.StateDir}.MountsOf(pod, c) // claims and emptyDirs
	if err != nil {
		return nil, err
	}
	mounts = append(mounts, others...)
	resolv, err := dns.ResolvConfMount(pod, k.cfg.DNS, filepath.Dir(work))
	if err != nil {
		return nil, fmt.Errorf("resolv.conf: %w", err)
	}
	if resolv != nil {
		mounts = append(mounts, *resolv)
	}
	sort.SliceStable(mounts, func(i, j int) bool { return len(mounts[i].Dst) < len(mounts[j].Dst) })

	for _, m := range mounts {
		st, err := os.Stat(m.Src)
		if err != nil {
			return nil, err
		}
		asFile := !st.IsDir()
		if rel, ok := strings.CutPrefix(m.Dst, realsrs.SrsImageDir+"/"); ok {
			if err := realsrs.Materialize(work, rel, asFile); err != nil {
				return nil, fmt.Errorf("mount point %s: %w", m.Dst, err)
			}
			continue
		}
		if _, err := os.Stat(m.Dst); errors.Is(err, os.ErrNotExist) {
			if asFile {
				if err := os.MkdirAll(filepath.Dir(m.Dst), 0o755); err != nil {
					return nil, err
				}
				err = os.WriteFile(m.Dst, nil, 0o644)
			} else {
				err = os.MkdirAll(m.Dst, 0o755)
			}
			if err != nil {
				return nil, err
			}
			k.logf("%s: created mount point %s on the machine", sp.key, m.Dst)
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
		if root, err := simsrs.ParseConf(text); err == nil {
			s := simsrs.SettingsFromConf(root)
			port = s.RTMPPort
			if s.APIEnabled && s.APIPort > 0 {
				port = s.APIPort
			}
		}
	}
	return net.JoinHostPort(sp.ip, strconv.Itoa(port))
}

// startReal starts the real SRS of the pod. Called with sp.mu held.
func (k *Kubelet) startReal(sp *simPod, pod *v1.Pod, c *v1.Container) (*realsrs.Proc, error) {
	dir := k.podDir(sp.ns, sp.name)
	work := filepath.Join(dir, "work")
	if err := realsrs.PrepareWorkDir(sp.realBuild, work); err != nil {
		return nil, fmt.Errorf("working folder: %w", err)
	}
	mounts, err := k.realMounts(sp, pod, c, work)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(realsrs.SrsImageDir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(realsrs.SrsImageDir, 0o755); err != nil {
			return nil, err
		}
		k.logf("%s: created mount point %s on the machine", sp.key, realsrs.SrsImageDir)
	}
	wd := c.WorkingDir
	if wd == "" {
		wd = realsrs.SrsImageDir
	}
	line := hostexec.AppendMountArgs([]string{"/bin/sh", "-c", realsrs.Script, "podsim-srs", sp.ip, k.cfg.NodeIP, wd}, mounts)
	line = append(line, realsrs.Argv(c)...)

	rp := &realsrs.Proc{
		PodIP: sp.ip, Probe: k.probeAddr(sp, c), DoneCh: make(chan struct{}),
		HostIf:  realsrs.HostIfName(string(sp.uid), sp.restarts[c.Name]),
		LogPath: filepath.Join(dir, c.Name+".log"), PidPath: filepath.Join(dir, "srs.pid"),
	}
	logFile, err := os.OpenFile(rp.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
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
	rp.CloseLogs = func() { console.Close(); logFile.Close() }
	started := false
	defer func() {
		if !started {
			rp.CloseLogs()
		}
	}()
	fmt.Fprintf(logFile, "podsim: %s starting %s from %s\n", time.Now().Format(time.RFC3339), strings.Join(realsrs.Argv(c), " "), sp.realBuild)
	goR, goW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer goR.Close()
	defer goW.Close()

	env := append(hostexec.ContainerEnv(pod, c), realsrs.MarkerEnv+"="+string(sp.uid))
	env[0] = "PATH=" + realsrs.SrsImageDir + "/objs:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	cmd := exec.Command(line[0], line[1:]...)
	cmd.Env, cmd.Stdout, cmd.Stderr, cmd.Dir = env, io.MultiWriter(logFile, console.Stdout()), io.MultiWriter(logFile, console.Stderr()), "/"
	cmd.WaitDelay = hostexec.OutputWaitDelay
	cmd.ExtraFiles = []*os.File{goR} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWNS,
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL, // podsim gone, SRS gone
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	rp.Cmd, rp.Pid = cmd, cmd.Process.Pid
	if err := k.wireVeth(rp); err != nil {
		_ = syscall.Kill(-rp.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		exec.Command("ip", "link", "del", rp.HostIf).Run()
		fmt.Fprintf(logFile, "podsim: network: %v\n", err)
		return nil, fmt.Errorf("network: %w", err)
	}
	goW.Write([]byte("go\n"))
	os.WriteFile(rp.PidPath, []byte(strconv.Itoa(rp.Pid)+"\n"), 0o644)
	k.logf("%s: real SRS from %s, pid %d, %s on %s", sp.key, sp.realBuild, rp.Pid, sp.ip, rp.HostIf)

	started = true
	go k.waitReal(sp, rp)
	go k.probeReal(sp, rp)
	return rp, nil
}

// wireVeth creates the veth pair with its pod end (eth0) in the new network namespace and
// routes the pod IP to it from the cluster namespace.
func (k *Kubelet) wireVeth(rp *realsrs.Proc) error {
	steps := [][]string{
		{"link", "add", rp.HostIf, "type", "veth", "peer", "name", "eth0", "netns", strconv.Itoa(rp.Pid)},
		{"addr", "add", k.cfg.NodeIP + "/32", "dev", rp.HostIf},
		{"link", "set", rp.HostIf, "up"},
		{"route", "replace", rp.PodIP + "/32", "dev", rp.HostIf, "table", "local"},
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
func (k *Kubelet) waitReal(sp *simPod, rp *realsrs.Proc) {
	err := rp.Cmd.Wait()
	rp.CloseLogs()
	code, _ := hostexec.ExitCode(rp.Cmd, err)
	rp.ExitCode = code
	exec.Command("ip", "link", "del", rp.HostIf).Run() // gone with the namespace already, normally
	os.Remove(rp.PidPath)
	k.logf("%s: real SRS pid %d exited with %d", sp.key, rp.Pid, code)

	// done closes once the restart is decided, so stopAllReal returns with none pending.
	sp.mu.Lock()
	if sp.real != rp || sp.terminating || k.stopping.Load() {
		sp.mu.Unlock()
		close(rp.DoneCh)
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
	close(rp.DoneCh)
	k.patchLatest(sp)
	time.AfterFunc(backoff, func() { k.queue.Add(sp.key) })
}

// probeReal marks the container ready once the API port answers a TCP connect.
func (k *Kubelet) probeReal(sp *simPod, rp *realsrs.Proc) {
	for {
		conn, err := net.DialTimeout("tcp", rp.Probe, 300*time.Millisecond)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case <-rp.DoneCh:
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	sp.mu.Lock()
	ok := sp.real == rp && !sp.terminating
	if ok {
		rp.Ready = true
	}
	sp.mu.Unlock()
	if ok {
		k.logf("%s: real SRS answers on %s: Ready", sp.key, rp.Probe)
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
func (k *Kubelet) terminateReal(sp *simPod, pod *v1.Pod, rp *realsrs.Proc, grace time.Duration, deadline time.Time) {
	action, sleep := preStopAction(containerByName(pod, sp.srsContainer))
	k.logf("%s: terminating real SRS pid %d (grace %s, preStop %s)", sp.key, rp.Pid, grace, action)
	switch action {
	case "quit":
		rp.Signal(syscall.SIGQUIT)
	case "sleep":
		select {
		case <-time.After(min(sleep, time.Until(deadline))):
		case <-rp.Done():
		}
	}
	rp.Signal(syscall.SIGTERM)
	select {
	case <-rp.Done():
	case <-time.After(time.Until(deadline)):
		k.logf("%s: grace period over, SIGKILL", sp.key)
		rp.Signal(syscall.SIGKILL)
		select {
		case <-rp.Done():
		case <-time.After(5 * time.Second):
		}
	}
}

// stopAllReal kills every real SRS at once (podsim is stopping). None restarts: the
// kubelet may still be syncing (a test's cleanup), and a killed process would otherwise
// count as a crashed container, started again while its folders are being removed.
func (k *Kubelet) StopAllReal() {
	k.stopping.Store(true)
	k.mu.Lock()
	var rps []*realsrs.Proc
	for _, sp := range k.pods {
		sp.mu.Lock()
		if sp.real != nil {
			rps = append(rps, sp.real)
		}
		sp.mu.Unlock()
	}
	k.mu.Unlock()
	for _, rp := range rps {
		rp.Signal(syscall.SIGKILL)
	}
	for _, rp := range rps {
		select {
		case <-rp.Done():
		case <-time.After(5 * time.Second):
		}
	}
}
