package kubelet

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"syscall"

	"kubectl-srs.test/cluster/podsim/simsrs"
)

// The harness-only control endpoint (default 127.0.0.1:19850 inside the netns). Tests use
// it to see what each simulated SRS has loaded, which the SRS API itself does not show
// (rpc=raw dumps http_api only), and to send signals as `kill -HUP/-QUIT` would.
//
//	GET  /healthz                            "ok"
//	GET  /pods                               [procSnapshot...] of every running SRS
//	GET  /pods/<ns>/<pod>                    procSnapshot: version, state, reloads, coworkers, origins, loadedConf...
//	GET  /pods/<ns>/<pod>/loaded.conf        the config text last loaded (text/plain)
//	POST /pods/<ns>/<pod>/signal?sig=HUP     HUP (reload), QUIT, TERM, INT or KILL
//	GET  /portforwards                       {"open": N}: port-forward sessions served now
func (k *Kubelet) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("/portforwards", func(w http.ResponseWriter, r *http.Request) {
		writeIndented(w, map[string]int64{"open": k.portForwards.Load()})
	})
	mux.HandleFunc("/pods", func(w http.ResponseWriter, r *http.Request) {
		out := []simsrs.Snapshot{}
		for _, p := range k.procs() {
			out = append(out, p.Snapshot())
		}
		sort.Slice(out, func(i, j int) bool {
			return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name
		})
		writeIndented(w, out)
	})
	mux.HandleFunc("/pods/", func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/pods/"), "/")
		if len(parts) < 2 {
			http.NotFound(w, r)
			return
		}
		sp := k.lookup(parts[0] + "/" + parts[1])
		var p *simsrs.Proc
		var real *realSnapshot
		if sp != nil {
			sp.mu.Lock()
			p = sp.proc
			if sp.real != nil {
				real = &realSnapshot{Namespace: sp.ns, Name: sp.name, PodIP: sp.real.PodIP, Real: true, Build: sp.realBuild,
					PID: sp.real.Pid, Ready: sp.real.Ready, Probe: sp.real.Probe, HostInterface: sp.real.HostIf, Log: sp.real.LogPath}
			}
			sp.mu.Unlock()
		}
		if real != nil {
			k.serveReal(w, r, sp, real, parts[2:])
			return
		}
		if p == nil {
			http.Error(w, "no running SRS in pod "+parts[0]+"/"+parts[1], http.StatusNotFound)
			return
		}
		switch {
		case len(parts) == 2:
			writeIndented(w, p.Snapshot())
		case len(parts) == 3 && parts[2] == "loaded.conf":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte(p.Snapshot().LoadedConf))
		case len(parts) == 3 && parts[2] == "signal" && r.Method == http.MethodPost:
			sig := strings.TrimPrefix(strings.ToUpper(r.URL.Query().Get("sig")), "SIG")
			switch sig {
			case "HUP", "QUIT", "TERM", "INT", "KILL":
				p.Signal(sig)
				w.Write([]byte("ok"))
			default:
				http.Error(w, "sig must be HUP, QUIT, TERM, INT or KILL", http.StatusBadRequest)
			}
		default:
			http.NotFound(w, r)
		}
	})
	return mux
}

// realSnapshot is what the control endpoint shows of a pod that runs a real SRS build.
type realSnapshot struct {
	Namespace     string `json:"namespace"`
	Name          string `json:"name"`
	PodIP         string `json:"podIP"`
	Real          bool   `json:"real"`
	Build         string `json:"build"`
	PID           int    `json:"pid"`
	Ready         bool   `json:"ready"`
	Probe         string `json:"probe"`
	HostInterface string `json:"hostInterface"`
	Log           string `json:"log"`
}

// serveReal: GET shows the process, POST .../signal?sig= sends a real signal to it.
func (k *Kubelet) serveReal(w http.ResponseWriter, r *http.Request, sp *simPod, snap *realSnapshot, rest []string) {
	switch {
	case len(rest) == 0:
		writeIndented(w, snap)
	case len(rest) == 1 && rest[0] == "signal" && r.Method == http.MethodPost:
		sig, ok := map[string]syscall.Signal{"HUP": syscall.SIGHUP, "QUIT": syscall.SIGQUIT, "TERM": syscall.SIGTERM,
			"INT": syscall.SIGINT, "KILL": syscall.SIGKILL}[strings.TrimPrefix(strings.ToUpper(r.URL.Query().Get("sig")), "SIG")]
		if !ok {
			http.Error(w, "sig must be HUP, QUIT, TERM, INT or KILL", http.StatusBadRequest)
			return
		}
		sp.mu.Lock()
		rp := sp.real
		sp.mu.Unlock()
		if rp == nil {
			http.Error(w, "the real SRS of pod "+snap.Namespace+"/"+snap.Name+" is not running", http.StatusNotFound)
			return
		}
		rp.Signal(sig)
		w.Write([]byte("ok"))
	default:
		http.NotFound(w, r)
	}
}

func (k *Kubelet) procs() []*simsrs.Proc {
	k.mu.Lock()
	sps := make([]*simPod, 0, len(k.pods))
	for _, sp := range k.pods {
		sps = append(sps, sp)
	}
	k.mu.Unlock()
	var out []*simsrs.Proc
	for _, sp := range sps {
		sp.mu.Lock()
		if sp.proc != nil {
			out = append(out, sp.proc)
		}
		sp.mu.Unlock()
	}
	return out
}

func writeIndented(w http.ResponseWriter, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}
