package realsrs

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"kubectl-srs.test/cluster/podsim/simsrs"
)

// A stand-in for a real SRS binary, for testing the real-SRS mode on machines without an
// SRS build: `podsim standalone-srs -c FILE`, or podsim called as `srs` (a build folder's
// objs/srs may be a symlink to podsim). Like SRS it reads its config from -c (relative to
// the working folder), listens on the http_api and http_server ports the file names,
// writes objs/srs.pid, logs to stdout, re-reads the file on SIGHUP and quits on SIGQUIT
// (listeners closed after 0.3 s, exit 0.3 s later) or SIGTERM/SIGINT (exit at once).
// It is not SRS: it answers /api/v1/versions and /standin (what it runs from), nothing else.

func IsStandalone(args []string) bool {
	return len(args) > 0 && (filepath.Base(args[0]) == "srs" || (len(args) > 1 && args[1] == "standalone-srs"))
}

func RunStandalone(args []string) int {
	conf := ""
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-c" {
			conf = args[i+1]
		}
	}
	if conf == "" {
		fmt.Fprintln(os.Stderr, "standalone-srs: usage: srs -c FILE")
		return 2
	}
	s := &standin{conf: conf, pid: os.Getpid()}
	settings, err := s.load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "standalone-srs:", err)
		return 1
	}
	// Handlers first: podsim calls the container Ready once a port accepts connections, and
	// a signal that comes before signal.Notify gets Go's default action (SIGQUIT: a goroutine
	// dump and exit 2) instead of a quit.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	os.MkdirAll("objs", 0o755)
	os.WriteFile("objs/srs.pid", []byte(strconv.Itoa(s.pid)), 0o644)
	ports := []int{}
	if settings.APIEnabled {
		ports = append(ports, settings.APIPort)
	}
	if settings.HTTPServerEnabled && settings.HTTPServerPort != settings.APIPort {
		ports = append(ports, settings.HTTPServerPort)
	}
	var servers []*http.Server
	for _, port := range ports {
		ln, err := net.Listen("tcp", net.JoinHostPort("0.0.0.0", strconv.Itoa(port)))
		if err != nil {
			fmt.Fprintln(os.Stderr, "standalone-srs:", err)
			return 1
		}
		srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
		servers = append(servers, srv)
		go srv.Serve(ln)
		s.logf("listening on %s", ln.Addr())
	}
	closeAll := func() {
		for _, srv := range servers {
			srv.Shutdown(context.Background())
		}
	}
	quitting := false
	for sig := range sigs {
		name := "SIG" + map[os.Signal]string{syscall.SIGQUIT: "QUIT", syscall.SIGTERM: "TERM", syscall.SIGINT: "INT", syscall.SIGHUP: "HUP"}[sig]
		s.record(name)
		if sig == syscall.SIGHUP {
			s.logf("got %s", name)
		}
		switch {
		case sig == syscall.SIGHUP:
			if _, err := s.load(); err != nil {
				s.logf("reload failed: %v", err)
			} else {
				s.logf("reloaded %s", conf)
			}
		case sig == syscall.SIGQUIT && !quitting:
			quitting = true
			s.logf("got %s: graceful quit", name)
			go func() {
				time.Sleep(300 * time.Millisecond)
				closeAll()
				time.Sleep(300 * time.Millisecond)
				s.logf("quit")
				os.Exit(0)
			}()
		case sig == syscall.SIGQUIT:
			s.logf("got %s: already quitting", name)
		default:
			s.logf("got %s: fast quit", name)
			closeAll()
			return 0
		}
	}
	return 0
}

type standin struct {
	conf string
	pid  int

	mu       sync.Mutex
	confText string
	signals  []string
}

func (s *standin) logf(format string, args ...any) {
	fmt.Printf("%s standalone-srs[%d]: %s\n", time.Now().Format("15:04:05.000"), s.pid, fmt.Sprintf(format, args...))
}

func (s *standin) record(sig string) {
	s.mu.Lock()
	s.signals = append(s.signals, sig)
	s.mu.Unlock()
}

func (s *standin) load() (simsrs.Settings, error) {
	b, err := os.ReadFile(s.conf)
	if err != nil {
		return simsrs.Settings{}, err
	}
	root, err := simsrs.ParseConf(string(b))
	if err != nil {
		return simsrs.Settings{}, fmt.Errorf("%s: %w", s.conf, err)
	}
	s.mu.Lock()
	s.confText = string(b)
	s.mu.Unlock()
	return simsrs.SettingsFromConf(root), nil
}

func (s *standin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/api/v1/versions":
		json.NewEncoder(w).Encode(map[string]any{"code": 0, "server": "vid-standin", "service": "standin", "pid": strconv.Itoa(s.pid),
			"data": map[string]any{"major": 6, "minor": 0, "revision": 0, "version": "6.0.0"}})
	case "/standin":
		// What this process runs from: the file behind -c now (re-read at every request),
		// the text it loaded, its working folder and pid file, the address it was reached at.
		now, _ := os.ReadFile(s.conf)
		wd, _ := os.Getwd()
		pidFile, _ := os.ReadFile("objs/srs.pid")
		local := ""
		if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			local = la.String()
		}
		s.mu.Lock()
		out := map[string]any{"pid": s.pid, "conf": s.conf, "confNow": string(now), "confLoaded": s.confText,
			"cwd": wd, "pidFile": string(pidFile), "local": local, "signals": s.signals}
		s.mu.Unlock()
		json.NewEncoder(w).Encode(out)
	default:
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"code":404}`))
	}
}
