package kubelet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"kubectl-srs.test/cluster/podsim/control"
	"kubectl-srs.test/cluster/podsim/realsrs"
	"kubectl-srs.test/cluster/podsim/simtest"
)

// TestMain lets the test binary play the stand-in SRS: a build folder's objs/srs is a
// symlink to it, and a program called `srs` runs runStandaloneSRS.
func TestMain(m *testing.M) {
	if realsrs.IsStandalone(os.Args) {
		os.Exit(realsrs.RunStandalone(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeBuild makes an SRS build folder whose objs/srs is the stand-in.
func fakeBuild(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, d := range []string{"objs/nginx/html", "conf"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "objs/nginx/html/index.html"), []byte("srs"), 0o644)
	os.WriteFile(filepath.Join(dir, "conf/docker.conf"), []byte("listen 1935; http_api { enabled on; listen 1985; }\n"), 0o644)
	if err := os.Symlink(self, filepath.Join(dir, "objs/srs")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRealSRSMapMatching(t *testing.T) {
	a, b, c := fakeBuild(t), fakeBuild(t), fakeBuild(t)
	m, err := realsrs.ParseMap(fmt.Sprintf(" ossrs/srs:6=%s, registry.local:5000/team/srs=%s ,docker.io/ossrs/srs:v4.0.6=%s", a, b, c))
	if err != nil {
		t.Fatal(err)
	}
	for image, want := range map[string]string{
		"ossrs/srs:6": a, "docker.io/ossrs/srs:6": a, "ossrs/srs:6@sha256:0123": a,
		"ossrs/srs:v4.0.6": c, "ossrs/srs:v4.0.5": "", "ossrs/srs": "", "ossrs/srs:5": "",
		"registry.local:5000/team/srs:v6.0.140": b, "registry.local:5000/team/srs": b, "registry.local:5000/other/srs:6": "",
	} {
		if got := m.BuildFor(image); got != want {
			t.Errorf("buildFor(%q) = %q, want %q", image, got, want)
		}
	}
	// a repository entry catches any tag, a tagged entry still wins for its own tag
	m, _ = realsrs.ParseMap(fmt.Sprintf("ossrs/srs=%s,ossrs/srs:5=%s", a, b))
	if got := m.BuildFor("ossrs/srs:5"); got != b {
		t.Errorf("tag entry: got %q", got)
	}
	if got := m.BuildFor("ossrs/srs:v6.0.140"); got != a {
		t.Errorf("repository entry: got %q", got)
	}
	for spec, want := range map[string]string{
		"ossrs/srs:6":                            "want IMAGE=BUILD_DIR",
		"ossrs/srs:6=relative/dir":               "absolute path",
		"ossrs/srs:6=" + t.TempDir():             "objs/srs is not an executable file",
		"ossrs/srs:6=" + a + ",ossrs/srs:6=" + b: "mapped twice",
	} {
		if _, err := realsrs.ParseMap(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseRealSRSMap(%q) = %v, want an error with %q", spec, err, want)
		}
	}
	if m, err := realsrs.ParseMap(""); err != nil || !m.Empty() {
		t.Errorf("empty mapping: %v %v", m, err)
	}
}

// inPodNetwork re-runs the calling test in a network namespace of its own, set up like the
// cluster's (10.244.0.0/16 local on lo), so pod addresses never exist on the machine. It
// returns true in the re-run, false in the parent (which has then checked the re-run).
func inPodNetwork(t *testing.T) bool {
	t.Helper()
	simtest.CanUnshare(t)
	if os.Getenv("PODSIM_TEST_NETNS") == "1" {
		for _, s := range [][]string{{"link", "set", "lo", "up"}, {"route", "replace", "local", "10.244.0.0/16", "dev", "lo"}} {
			if out, err := exec.Command("ip", s...).CombinedOutput(); err != nil {
				t.Fatalf("ip %v: %v %s", s, err, out)
			}
		}
		if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
			t.Fatal(err)
		}
		return true
	}
	cmd := exec.Command("unshare", "--net", "--", os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "PODSIM_TEST_NETNS=1")
	out, err := cmd.CombinedOutput()
	t.Logf("in a network namespace of its own:\n%s", out)
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("the run in its own network namespace failed: %v", err)
	}
	return false
}

type standinInfo struct {
	PID        int      `json:"pid"`
	Conf       string   `json:"conf"`
	ConfNow    string   `json:"confNow"`
	ConfLoaded string   `json:"confLoaded"`
	Cwd        string   `json:"cwd"`
	PidFile    string   `json:"pidFile"`
	Local      string   `json:"local"`
	Signals    []string `json:"signals"`
}

func getStandin(addr string) (standinInfo, error) {
	var info standinInfo
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/standin")
	if err != nil {
		return info, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return info, json.Unmarshal(b, &info)
}

const realConf = `listen 1935; daemon off;
http_api { enabled on; listen 1986; }
http_server { enabled on; listen 8080; dir ./objs/nginx/html; }
`

func realPod(name string, cmd, args []string) *v1.Pod {
	p := srsPod(name, "ossrs/srs:6", 30)
	p.Spec.Containers[0].Command, p.Spec.Containers[0].Args = cmd, args
	p.Spec.Containers[0].Ports = []v1.ContainerPort{{ContainerPort: 1986}}
	return p
}

func TestRealSRSPods(t *testing.T) {
	if !inPodNetwork(t) {
		return
	}
	build := fakeBuild(t)
	m, err := realsrs.ParseMap("ossrs/srs:6=" + build)
	if err != nil {
		t.Fatal(err)
	}
	cm := edgeConfigMap(realConf)
	k, cs, reg := newFakeKubeletWith(t, func(c *Config) { c.RealSRS = m }, cm,
		realPod("real-a", []string{"./objs/srs", "-c", "conf/srs.conf"}, nil),
		realPod("real-b", []string{"/usr/local/srs/objs/srs"}, []string{"-c", "/usr/local/srs/conf/srs.conf"}),
		srsPod("sim-c", "ossrs/srs:4", 30))
	t.Cleanup(k.StopAllReal)

	ip := map[string]string{}
	for _, name := range []string{"real-a", "real-b", "sim-c"} {
		simtest.Eventually(t, 10*time.Second, name+" Ready", func() bool {
			p, _ := getPod(cs, name)
			if p != nil && podReady(p) {
				ip[name] = p.Status.PodIP
				return true
			}
			return false
		})
	}
	if ip["real-a"] == ip["real-b"] {
		t.Fatalf("same pod IP %s", ip["real-a"])
	}
	// the unmapped image keeps the simulated SRS, served by the shared listeners
	if _, ok := reg.Lookup(ip["sim-c"], 1986); !ok {
		t.Errorf("sim-c is not served by the simulation")
	}

	// Each real server answers at its own pod IP on the port its config names, runs from
	// /usr/local/srs (its own working folder) and reads the projected ConfigMap.
	infos := map[string]standinInfo{}
	for _, name := range []string{"real-a", "real-b"} {
		info, err := getStandin(net.JoinHostPort(ip[name], "1986"))
		if err != nil {
			t.Fatalf("%s on 1986: %v", name, err)
		}
		infos[name] = info
		if info.Local != ip[name]+":1986" || info.Cwd != "/usr/local/srs" || info.ConfLoaded != realConf || info.PidFile != fmt.Sprint(info.PID) {
			t.Errorf("%s: %+v", name, info)
		}
		if _, err := net.DialTimeout("tcp", ip[name]+":1985", time.Second); err == nil {
			t.Errorf("%s answers on 1985, which its config does not listen on", name)
		}
		onDisk, _ := os.ReadFile(filepath.Join(k.podDir("default", name), "work/objs/srs.pid"))
		if string(onDisk) != fmt.Sprint(info.PID) {
			t.Errorf("%s: work/objs/srs.pid = %q, want %d", name, onDisk, info.PID)
		}
	}
	if infos["real-a"].PID == infos["real-b"].PID || infos["real-a"].Conf != "conf/srs.conf" || infos["real-b"].Conf != "/usr/local/srs/conf/srs.conf" {
		t.Errorf("the two servers: %+v", infos)
	}
	if _, err := os.Stat(filepath.Join(build, "objs/srs.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("something wrote into the build folder: %v", err)
	}

	// A ConfigMap change reaches the file the real server reads, through the ..data swap.
	changed := strings.Replace(realConf, "daemon off;", "daemon off; server_id changed;", 1)
	cm.Data["srs.conf"] = changed
	if _, err := cs.CoreV1().ConfigMaps("default").Update(context.Background(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	simtest.Eventually(t, 5*time.Second, "the changed config inside real-a", func() bool {
		info, err := getStandin(net.JoinHostPort(ip["real-a"], "1986"))
		return err == nil && info.ConfNow == changed
	})

	// A container whose SRS dies restarts: new process, restartCount 1, Ready again.
	syscall.Kill(infos["real-b"].PID, syscall.SIGKILL)
	simtest.Eventually(t, 10*time.Second, "real-b restarted", func() bool {
		p, _ := getPod(cs, "real-b")
		if p == nil || !podReady(p) || len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].RestartCount != 1 {
			return false
		}
		info, err := getStandin(net.JoinHostPort(ip["real-b"], "1986"))
		return err == nil && info.PID != infos["real-b"].PID && info.ConfLoaded == changed
	})

	// The control endpoint shows the real process and sends it real signals.
	ctl := httptest.NewServer(control.Handler(k))
	defer ctl.Close()
	resp, err := http.Get(ctl.URL + "/pods/default/real-b")
	if err != nil {
		t.Fatal(err)
	}
	var snap control.RealSnapshot
	json.NewDecoder(resp.Body).Decode(&snap)
	resp.Body.Close()
	if !snap.Real || snap.PodIP != ip["real-b"] || !snap.Ready || snap.Build != build || snap.Probe != ip["real-b"]+":1986" {
		t.Errorf("control snapshot: %+v", snap)
	}
	if resp, err := http.Post(ctl.URL+"/pods/default/real-b/signal?sig=HUP", "", nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("signal: %v %v", resp, err)
	}
	simtest.Eventually(t, 3*time.Second, "real-b got SIGHUP", func() bool {
		b, _ := os.ReadFile(snap.Log)
		return strings.Contains(string(b), "got SIGHUP") && strings.Contains(string(b), "reloaded /usr/local/srs/conf/srs.conf")
	})

	// Deletion: the preStop grace hook becomes SIGQUIT; afterwards the process, its veth and
	// its address are gone, the log stays.
	sp := k.lookup("default/real-a")
	sp.mu.Lock()
	hostIf, pid := sp.real.HostIf, sp.real.Pid
	sp.mu.Unlock()
	markDeleted(t, cs, "real-a")
	simtest.Eventually(t, 10*time.Second, "real-a deleted", func() bool {
		_, err := getPod(cs, "real-a")
		return err != nil
	})
	simtest.Eventually(t, 5*time.Second, "real-a's process gone", func() bool {
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	})
	if err := exec.Command("ip", "link", "show", hostIf).Run(); err == nil {
		t.Errorf("veth %s still exists", hostIf)
	}
	if _, err := net.DialTimeout("tcp", ip["real-a"]+":1986", time.Second); err == nil {
		t.Errorf("%s:1986 still answers", ip["real-a"])
	}
	simtest.Eventually(t, 3*time.Second, "real-a's working folder removed", func() bool { // on the informer's delete event
		_, err := os.Stat(filepath.Join(k.podDir("default", "real-a"), "work"))
		return errors.Is(err, os.ErrNotExist)
	})
	logText, _ := os.ReadFile(filepath.Join(k.podDir("default", "real-a"), "srs.log"))
	quit, term := strings.Index(string(logText), "got SIGQUIT: graceful quit"), strings.Index(string(logText), "got SIGTERM")
	if quit < 0 || term >= 0 && term < quit {
		t.Errorf("real-a's log shows no SIGQUIT before the SIGTERM:\n%s", logText)
	}
	if _, err := getStandin(net.JoinHostPort(ip["real-b"], "1986")); err != nil {
		t.Errorf("real-b stopped answering: %v", err)
	}

	// podsim stopping kills every real SRS, and none counts as a crashed container to start
	// again (it did, at once, while the test's cleanup removed its folders).
	k.StopAllReal()
	sp = k.lookup("default/real-b")
	sp.mu.Lock()
	restart := sp.needsRestart
	sp.mu.Unlock()
	if restart {
		t.Errorf("real-b is to restart after podsim stopped it")
	}
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runStandin starts the stand-in SRS from build with an http_api on a free port and returns
// once that port accepts connections, which is when podsim calls a real SRS Ready.
func runStandin(t *testing.T, build string) (*realsrs.Proc, *lockedBuffer) {
	t.Helper()
	port := simtest.FreeLoopbackPort(t)
	conf := filepath.Join(t.TempDir(), "srs.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("listen 1935; daemon off;\nhttp_api { enabled on; listen %d; }\n", port)), 0o644)
	out := &lockedBuffer{}
	cmd := exec.Command(filepath.Join(build, "objs/srs"), "-c", conf)
	cmd.Dir, cmd.Stdout, cmd.Stderr = t.TempDir(), out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rp := &realsrs.Proc{Cmd: cmd, Pid: cmd.Process.Pid, DoneCh: make(chan struct{})}
	go func() { cmd.Wait(); close(rp.DoneCh) }()
	t.Cleanup(func() { rp.Signal(syscall.SIGKILL); <-rp.DoneCh })
	probe := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	simtest.Eventually(t, 10*time.Second, "the stand-in listening on "+probe, func() bool {
		conn, err := net.DialTimeout("tcp", probe, 300*time.Millisecond)
		if err == nil {
			conn.Close()
		}
		return err == nil
	})
	return rp, out
}

// A real SRS is Ready as soon as its API port accepts connections; a pod deleted right then
// still gets a graceful quit from its preStop hook: the stand-in handles signals before it
// listens (a SIGQUIT before signal.Notify is Go's default action: a goroutine dump, exit 2).
func TestStandinHandlesSignalsOnceItListens(t *testing.T) {
	build := fakeBuild(t)
	for i := 0; i < 20; i++ {
		rp, out := runStandin(t, build)
		rp.Signal(syscall.SIGQUIT)
		simtest.Eventually(t, 5*time.Second, "the stand-in starting its graceful quit", func() bool {
			select {
			case <-rp.Done():
				t.Fatalf("start %d: SIGQUIT right after the listener came up: %v\n%s", i, rp.Cmd.ProcessState, out)
			default:
			}
			return strings.Contains(out.String(), "got SIGQUIT: graceful quit")
		})
		rp.Signal(syscall.SIGKILL) // the rest of the graceful quit is not under test
	}
}

// Deletion with a SIGQUIT preStop hook: SRS handles the hook's SIGQUIT before the SIGTERM
// that follows it microseconds later (realProc.signal says why that needs care). Before,
// about one deletion in 30 to 50 lost the SIGQUIT here: the stand-in quit fast on SIGTERM.
func TestTerminateRealQuitsBeforeTerm(t *testing.T) {
	build := fakeBuild(t)
	k := &Kubelet{logf: t.Logf}
	pod := realPod("real-a", []string{"./objs/srs"}, nil)
	for i := 0; i < 100; i++ {
		rp, output := runStandin(t, build)
		k.terminateReal(&simPod{key: "default/real-a", srsContainer: "srs"}, pod, rp, 10*time.Second, time.Now().Add(10*time.Second))
		<-rp.Done()
		out := output.String()
		quit, term := strings.Index(out, "got SIGQUIT: graceful quit"), strings.Index(out, "got SIGTERM: fast quit")
		if quit < 0 || term < quit {
			t.Fatalf("deletion %d: the stand-in did not take SIGQUIT, then SIGTERM:\n%s", i, out)
		}
	}
}
