// Package simsrs is the simulated SRS that runs in every SRS pod: the process (start,
// signals, graceful quit, reload), its config, auth, versions, the HTTP API with the shapes
// real SRS answers with, and the listeners that route each pod IP to its process.
package simsrs

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"kubectl-srs.test/cluster/podsim/containerlog"
)

// srsProc is one simulated SRS process in one pod: it exists from container start until
// the process exits (quit, crash on a bad reload, kill). A container restart makes a new
// srsProc with a new service id and pid; the server id stays (it hangs on the pod name).

type procState int

const (
	procRunning  procState = iota
	procQuitting           // got a quit signal, listeners still open
	procDraining           // listeners closed, waiting for connections to leave
	procExited
)

func (s procState) String() string {
	return [...]string{"running", "quitting", "draining", "exited"}[s]
}

// Delays modelled on the captures (README 4a): the main loop notices a signal within ~1 s
// (we use 0.6 s), a fast quit ends ~1 s after the signal, and the drain loop is polled.
var (
	signalNoticeDelay = 600 * time.Millisecond
	fastQuitDelay     = 900 * time.Millisecond
	drainPollInterval = 500 * time.Millisecond
	inotifyDelay      = 3 * time.Second // the SRS watcher sleeps 3 s after each read
)

// procHooks connect a process to the rest of podsim.
type Hooks struct {
	Bind   func(p *Proc) // open the API/HTTP listeners for this pod
	Unbind func(p *Proc) // close them (connections are refused from then on)
	// loaded records a config that was loaded (start or successful reload). It runs before the
	// new config is visible to anyone else (during a reload, p.mu is held), so a reader that
	// sees the reload in memory also finds what the hook wrote.
	Loaded   func(snap Snapshot)
	Exited   func(p *Proc, reason string)
	ReadConf func() (string, error) // current text of the config file SRS was started with
	Env      map[string]string      // literal env values of the SRS container (SRS_* overrides)
	Console  *containerlog.Log      // the container's log: what SRS prints with srs_log_tank console; nil: none
}

type reloadResult struct {
	Err   int
	Msg   string
	State int // 0 none yet, 90 applied, 10 parse failed
	RID   string
}

type Proc struct {
	Namespace, Name, PodIP string
	ImageVersion           Version
	ServerID               string
	Service                string
	PID                    int
	Started                time.Time
	hooks                  Hooks

	Mu           sync.Mutex
	settings     Settings
	confText     string
	reloads      int // successful reloads
	reloadFails  int
	lastReload   reloadResult
	knobs        Knobs
	knobsSince   time.Time
	kicked       map[string]bool
	state        procState
	fastQuit     bool
	dropped      bool // clients were dropped (fast quit, 5.x quit, kill)
	httpConns    int  // open HTTP connections (API and http_server ports): SRS serves them as connections too
	cut          CutClients
	exitReason   string
	bound        bool
	reloadTimer  *time.Timer
	done         chan struct{}
	RestartCount int32
}

// serverIDFor is stable per pod name, like the .id file SRS keeps next to its pid file.
func serverIDFor(ns, name string) string {
	return "vid-" + idFromHash(7, "server", ns, name)
}

const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

func idFromHash(n int, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	out := make([]byte, n)
	for i := range out {
		out[i] = idAlphabet[int(sum[i])%len(idAlphabet)]
	}
	return string(out)
}

func randomID(n int) string {
	out := make([]byte, n)
	for i := range out {
		out[i] = idAlphabet[rand.IntN(len(idAlphabet))]
	}
	return string(out)
}

// startSRSProc loads the config and opens the listeners. An error means SRS would not start
// (invalid config): the container crashes.
func StartProc(ns, name, podIP string, v Version, k Knobs, hooks Hooks) (*Proc, error) {
	text, err := hooks.ReadConf()
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	root, err := ParseConf(text)
	if err != nil {
		return nil, fmt.Errorf("invalid config: %w", err)
	}
	p := &Proc{
		Namespace: ns, Name: name, PodIP: podIP, ImageVersion: v,
		ServerID: serverIDFor(ns, name), Service: randomID(8), PID: 1 + rand.IntN(30000),
		Started: time.Now(), hooks: hooks,
		settings: SettingsFromConf(root), confText: text,
		knobs: k, knobsSince: time.Now(), kicked: map[string]bool{},
		done: make(chan struct{}),
	}
	if p.settings.ServerID != "" {
		p.ServerID = p.settings.ServerID
	}
	p.bound = true
	hooks.Bind(p)
	hooks.Loaded(p.Snapshot())
	p.Mu.Lock()
	p.printLocked(false, "XCORE-SRS/%s", v)
	p.Mu.Unlock()
	return p, nil
}

// printLocked writes one line to the container's log as SRS does with srs_log_tank
// console: [time][level][pid][cid] message, level Trace/Warn before 5.0 and INFO/WARN since.
func (p *Proc) printLocked(warn bool, format string, args ...any) {
	if p.hooks.Console == nil {
		return
	}
	level := "Trace"
	if warn {
		level = "Warn"
	}
	if p.ImageVersion.Major >= 5 {
		level = strings.ToUpper(level)
		if !warn {
			level = "INFO"
		}
	}
	p.hooks.Console.Println(fmt.Sprintf("[%s][%s][%d][%s] ", time.Now().Format("2006-01-02 15:04:05.000"), level, p.PID, randomID(8)) +
		fmt.Sprintf(format, args...))
}

// version is what the API reports: the image's, unless report-version overrides it.
func (p *Proc) Version() Version {
	p.Mu.Lock()
	defer p.Mu.Unlock()
	return p.versionLocked()
}

func (p *Proc) versionLocked() Version {
	if v, ok := ParseVersion(p.knobs.ReportVersion); ok {
		return v
	}
	return p.ImageVersion
}

func (p *Proc) fault() string {
	p.Mu.Lock()
	defer p.Mu.Unlock()
	return p.knobs.Fault
}

func (p *Proc) Settings() Settings {
	p.Mu.Lock()
	defer p.Mu.Unlock()
	return p.settings
}

func (p *Proc) Done() <-chan struct{} { return p.done }

func (p *Proc) SetKnobs(k Knobs) {
	p.Mu.Lock()
	defer p.Mu.Unlock()
	if k.equal(p.knobs) {
		return
	}
	if k.Connections != p.knobs.Connections || !equalStrings(k.Streams, p.knobs.Streams) {
		p.kicked = map[string]bool{}
		p.knobsSince = time.Now()
	}
	p.knobs = k
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// connections is what SRS counts as its clients (conn_srs), publishers included.
func (p *Proc) Connections() int {
	p.Mu.Lock()
	defer p.Mu.Unlock()
	return len(p.modelLocked(time.Now()).clients)
}

// cutClients is what a SIGKILL took away: the clients still connected when it came.
type CutClients struct {
	Killed      bool
	Players     int
	Publishers  int
	HTTPClients int
}

func (c CutClients) Clients() int { return c.Players + c.Publishers }

// killed reports the clients the SIGKILL cut, once the process has exited.
func (p *Proc) Killed() CutClients {
	p.Mu.Lock()
	defer p.Mu.Unlock()
	return p.cut
}

// httpConnOpened / httpConnClosed track the HTTP connections SRS serves: each is a
// connection in SRS's connection manager, so a graceful quit waits for it as for a player.
func (p *Proc) httpConnOpened() {
	p.Mu.Lock()
	defer p.Mu.Unlock()
	p.httpConns++
}

func (p *Proc) httpConnClosed() {
	p.Mu.Lock()
	defer p.Mu.Unlock()
	p.httpConns--
}

// signal delivers a Unix signal by name: HUP, QUIT, TERM, INT, KILL.
func (p *Proc) Signal(sig string) {
	p.Mu.Lock()
	defer p.Mu.Unlock()
	if p.state == procExited {
		return
	}
	switch sig {
	case "HUP":
		p.printLocked(false, "reload config, signo=1")
		go p.reload("signal")
	case "QUIT":
		p.printQuitLocked(3, true)
		p.quitLocked(true)
	case "TERM":
		// force_grace_quit turns SIGTERM into SIGQUIT; otherwise it is a fast quit.
		if p.settings.ForceGraceQuit {
			p.printLocked(false, "force gracefully quit, signo=15")
		}
		p.printQuitLocked(15, p.settings.ForceGraceQuit)
		p.quitLocked(p.settings.ForceGraceQuit)
	case "INT":
		p.printQuitLocked(2, false)
		p.quitLocked(false)
	case "KILL":
		if p.state == procExited {
			return
		}
		p.cut = CutClients{Killed: true, HTTPClients: p.httpConns}
		for _, c := range p.modelLocked(time.Now()).clients {
			if c.publish {
				p.cut.Publishers++
			} else {
				p.cut.Players++
			}
		}
		if p.hooks.Console != nil {
			p.hooks.Console.Println(fmt.Sprintf("podsim: killed: SIGKILL, %d clients cut (%d players, %d publishers)", p.cut.Clients(), p.cut.Players, p.cut.Publishers))
		}
		p.dropped = true
		p.exitLocked("killed")
	}
}

// printQuitLocked: SRS logs each kind of quit signal once.
func (p *Proc) printQuitLocked(signo int, graceful bool) {
	switch {
	case graceful && p.state == procRunning:
		if signo != 3 {
			signo = 3 // force_grace_quit: handled as SIGQUIT
		}
		p.printLocked(false, "sig=%d, user start gracefully quit", signo)
	case !graceful && !p.fastQuit:
		p.printLocked(false, "sig=%d, user terminate program, fast quit", signo)
	}
}

func (p *Proc) quitLocked(graceful bool) {
	if !graceful {
		p.fastQuit = true
	}
	if p.state != procRunning {
		return // the quit already running sees fastQuit
	}
	p.state = procQuitting
	if graceful && p.versionLocked().gracefulQuitWorks() {
		go p.gracefulQuit()
		return
	}
	// Fast quit, and every quit of 5.x: clients dropped, exit within about a second.
	time.AfterFunc(fastQuitDelay, func() {
		p.Mu.Lock()
		defer p.Mu.Unlock()
		p.dropped = true
		p.exitLocked("quit")
	})
}

func (p *Proc) gracefulQuit() {
	p.Mu.Lock()
	wait := p.settings.GraceStartWait
	final := p.settings.GraceFinalWait
	p.Mu.Unlock()
	time.Sleep(signalNoticeDelay)
	p.Mu.Lock()
	if p.state != procExited {
		p.printLocked(false, "start wait for %dms", wait.Milliseconds())
	}
	p.Mu.Unlock()
	time.Sleep(wait)

	p.Mu.Lock()
	if p.state == procExited {
		p.Mu.Unlock()
		return
	}
	p.state = procDraining
	p.unbindLocked() // "listeners closed": the API refuses new connections from now on
	p.printLocked(false, "listeners closed")
	p.Mu.Unlock()

	// No upper bound: SRS waits for every connection (players, publishers and open HTTP
	// connections alike), unless a fast quit cuts it short. Nobody leaves by himself: a test
	// stops its players (annotation, DELETE) or the grace period ends in a SIGKILL.
	last := -1
	for {
		p.Mu.Lock()
		if p.state == procExited {
			p.Mu.Unlock()
			return
		}
		if p.fastQuit {
			p.dropped = true
		}
		n := len(p.modelLocked(time.Now()).clients) + p.httpConns
		if p.fastQuit {
			n = 0 // a fast quit closes the HTTP connections too
		}
		if n != last {
			p.printLocked(false, "wait for %d conns to quit", n)
			last = n
		}
		p.Mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(drainPollInterval)
	}
	p.Mu.Lock()
	p.printLocked(false, "final wait for %dms", final.Milliseconds())
	p.Mu.Unlock()
	time.Sleep(final)
	p.Mu.Lock()
	p.exitLocked("quit")
	p.Mu.Unlock()
}

func (p *Proc) unbindLocked() {
	if p.bound {
		p.bound = false
		p.hooks.Unbind(p)
	}
}

func (p *Proc) exitLocked(reason string) {
	if p.state == procExited {
		return
	}
	p.state = procExited
	p.exitReason = reason
	p.unbindLocked()
	if reason != "killed" { // SIGKILL leaves no last words
		graceful := reason == "quit" && !p.fastQuit && p.versionLocked().gracefulQuitWorks()
		if reason == "quit" {
			p.printLocked(false, "cleanup for quit signal fast=%d, grace=%d", b2i(!graceful), b2i(graceful))
		}
		p.printLocked(true, "main cycle terminated, system quit normally.")
		if graceful {
			p.printLocked(false, "srs gracefully quit")
		} else {
			p.printLocked(false, "srs disposed")
		}
		p.printLocked(false, "srs terminated")
	}
	if p.hooks.Console != nil {
		p.hooks.Console.Close()
	}
	if p.reloadTimer != nil {
		p.reloadTimer.Stop()
	}
	close(p.done)
	go p.hooks.Exited(p, reason)
}

// volumeSwapped is called when kubelet swapped the ..data link of a volume that holds
// the config file: with inotify_auto_reload on, SRS reloads about 3 s later.
func (p *Proc) VolumeSwapped() {
	p.Mu.Lock()
	defer p.Mu.Unlock()
	if p.state == procExited || !p.settings.InotifyReload {
		return
	}
	if p.reloadTimer != nil {
		p.reloadTimer.Stop()
	}
	p.reloadTimer = time.AfterFunc(inotifyDelay, func() { p.reload("inotify") })
}

// reload re-reads the config like SIGHUP does. It reports the reload-fetch result.
func (p *Proc) reload(why string) {
	text, err := p.hooks.ReadConf()
	var root *confDirective
	if err == nil {
		root, err = ParseConf(text)
	}
	p.Mu.Lock()
	defer p.Mu.Unlock()
	if p.state == procExited {
		return
	}
	p.printLocked(false, "starting reload config.")
	if err != nil {
		p.printLocked(true, "reload failed, state=10, err %v", err)
		p.reloadFails++
		p.lastReload = reloadResult{Err: codeConfigInvalid, Msg: "ConfigInvalid: " + err.Error(), State: 10, RID: randomID(7)}
		if p.ImageVersion.exitsOnBadReload() {
			// 4.0: "main cycle terminated, system quit normally", exit code 0.
			p.dropped = true
			p.exitLocked("invalid config on reload")
		}
		return
	}
	old := p.settings
	p.settings = SettingsFromConf(root)
	p.confText = text
	p.reloads++
	p.lastReload = reloadResult{Err: 0, Msg: "Success", State: 90, RID: randomID(7)}
	p.printLocked(false, "reload config success, state=90.")
	if p.bound && (old.APIPort != p.settings.APIPort || old.APIEnabled != p.settings.APIEnabled ||
		old.HTTPServerPort != p.settings.HTTPServerPort || old.HTTPServerEnabled != p.settings.HTTPServerEnabled) {
		p.hooks.Unbind(p)
		p.hooks.Bind(p)
	}
	p.hooks.Loaded(p.snapshotLocked())
}

// procSnapshot is what the control endpoint shows.
type Snapshot struct {
	Namespace      string   `json:"namespace"`
	Name           string   `json:"name"`
	PodIP          string   `json:"podIP"`
	Version        string   `json:"version"`
	ImageVersion   string   `json:"imageVersion"`
	Server         string   `json:"server"`
	Service        string   `json:"service"`
	PID            int      `json:"pid"`
	State          string   `json:"state"`
	Listening      bool     `json:"listening"`
	APIPort        int      `json:"apiPort"`
	HTTPServerPort int      `json:"httpServerPort"`
	Connections    int      `json:"connections"`
	HTTPConns      int      `json:"httpConnections"`
	Streams        []string `json:"streams"`
	Reloads        int      `json:"reloads"`
	ReloadFailures int      `json:"reloadFailures"`
	LastReload     struct {
		Err   int    `json:"err"`
		Msg   string `json:"msg"`
		State int    `json:"state"`
	} `json:"lastReload"`
	ClusterMode    string   `json:"clusterMode"`
	Origins        []string `json:"origins"`
	Coworkers      []string `json:"coworkers"`
	InotifyReload  bool     `json:"inotifyReload"`
	ForceGraceQuit bool     `json:"forceGraceQuit"`
	RestartCount   int32    `json:"restartCount"`
	LoadedConf     string   `json:"loadedConf"`
}

func (p *Proc) Snapshot() Snapshot {
	p.Mu.Lock()
	defer p.Mu.Unlock()
	return p.snapshotLocked()
}

func (p *Proc) snapshotLocked() Snapshot {
	m := p.modelLocked(time.Now())
	s := Snapshot{
		Namespace: p.Namespace, Name: p.Name, PodIP: p.PodIP,
		Version: p.versionLocked().String(), ImageVersion: p.ImageVersion.String(),
		Server: p.ServerID, Service: p.Service, PID: p.PID, State: p.state.String(), Listening: p.bound,
		Connections: len(m.clients), HTTPConns: p.httpConns, Reloads: p.reloads, ReloadFailures: p.reloadFails,
		ClusterMode: p.settings.ClusterMode, Origins: p.settings.Origins, Coworkers: p.settings.Coworkers,
		InotifyReload: p.settings.InotifyReload, ForceGraceQuit: p.settings.ForceGraceQuit,
		RestartCount: p.RestartCount, LoadedConf: p.confText,
	}
	if p.settings.APIEnabled {
		s.APIPort = p.settings.APIPort
	}
	if p.settings.HTTPServerEnabled {
		s.HTTPServerPort = p.settings.HTTPServerPort
	}
	for _, st := range m.streams {
		s.Streams = append(s.Streams, st.app+"/"+st.name)
	}
	s.LastReload.Err, s.LastReload.Msg, s.LastReload.State = p.lastReload.Err, p.lastReload.Msg, p.lastReload.State
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
