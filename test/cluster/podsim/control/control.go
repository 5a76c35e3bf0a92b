// Package control is the harness-only control endpoint (default 127.0.0.1:19850 inside the
// netns). Tests use it to see what each simulated SRS has loaded, which the SRS API itself
// does not show (rpc=raw dumps http_api only), and to send signals as `kill -HUP/-QUIT` would.
//
//	GET  /healthz                            "ok"
//	GET  /pods                               [Snapshot...] of every running simulated SRS
//	GET  /pods/<ns>/<pod>                    Snapshot: version, state, reloads, coworkers, origins, loadedConf...
//	GET  /pods/<ns>/<pod>/loaded.conf        the config text last loaded (text/plain)
//	POST /pods/<ns>/<pod>/signal?sig=HUP     HUP (reload), QUIT, TERM, INT or KILL
//	GET  /portforwards                       {"open": N}: port-forward sessions served now
package control

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"syscall"

	"kubectl-srs.test/cluster/podsim/simsrs"
)

// Pods is what the endpoint reads of the kubelet.
type Pods interface {
	// SimulatedSRS returns the simulated SRS of every pod that runs one.
	SimulatedSRS() []*simsrs.Proc
	// Pod returns what runs in the pod now: a simulated SRS, a real one, or neither (nil, nil).
	Pod(ns, name string) (*simsrs.Proc, *RealPod)
	// OpenPortForwards counts the port-forward sessions being served now: tests assert that
	// the plugin leaves none open, which a count of TCP connections to the kubelet port cannot
	// tell apart from the apiserver's idle keep-alive connections of container-log requests.
	OpenPortForwards() int64
}

// RealPod is a pod that runs a real SRS build.
type RealPod struct {
	RealSnapshot
	// Signal sends sig to the process that runs now; false when none does.
	Signal func(sig syscall.Signal) bool
}

// RealSnapshot is what the endpoint shows of a pod that runs a real SRS build.
type RealSnapshot struct {
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

// Handler serves the endpoint for pods.
func Handler(pods Pods) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("/portforwards", func(w http.ResponseWriter, r *http.Request) {
		writeIndented(w, map[string]int64{"open": pods.OpenPortForwards()})
	})
	mux.HandleFunc("/pods", func(w http.ResponseWriter, r *http.Request) {
		out := []simsrs.Snapshot{}
		for _, p := range pods.SimulatedSRS() {
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
		p, real := pods.Pod(parts[0], parts[1])
		if real != nil {
			serveReal(w, r, real, parts[2:])
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

// serveReal: GET shows the process, POST .../signal?sig= sends a real signal to it.
func serveReal(w http.ResponseWriter, r *http.Request, real *RealPod, rest []string) {
	switch {
	case len(rest) == 0:
		writeIndented(w, real.RealSnapshot)
	case len(rest) == 1 && rest[0] == "signal" && r.Method == http.MethodPost:
		sig, ok := map[string]syscall.Signal{"HUP": syscall.SIGHUP, "QUIT": syscall.SIGQUIT, "TERM": syscall.SIGTERM,
			"INT": syscall.SIGINT, "KILL": syscall.SIGKILL}[strings.TrimPrefix(strings.ToUpper(r.URL.Query().Get("sig")), "SIG")]
		if !ok {
			http.Error(w, "sig must be HUP, QUIT, TERM, INT or KILL", http.StatusBadRequest)
			return
		}
		if !real.Signal(sig) {
			http.Error(w, "the real SRS of pod "+real.Namespace+"/"+real.Name+" is not running", http.StatusNotFound)
			return
		}
		w.Write([]byte("ok"))
	default:
		http.NotFound(w, r)
	}
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
