package main

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
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
func (k *Kubelet) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("/pods", func(w http.ResponseWriter, r *http.Request) {
		out := []procSnapshot{}
		for _, p := range k.procs() {
			out = append(out, p.snapshot())
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
		var p *srsProc
		if sp != nil {
			sp.mu.Lock()
			p = sp.proc
			sp.mu.Unlock()
		}
		if p == nil {
			http.Error(w, "no running SRS in pod "+parts[0]+"/"+parts[1], http.StatusNotFound)
			return
		}
		switch {
		case len(parts) == 2:
			writeIndented(w, p.snapshot())
		case len(parts) == 3 && parts[2] == "loaded.conf":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte(p.snapshot().LoadedConf))
		case len(parts) == 3 && parts[2] == "signal" && r.Method == http.MethodPost:
			sig := strings.TrimPrefix(strings.ToUpper(r.URL.Query().Get("sig")), "SIG")
			switch sig {
			case "HUP", "QUIT", "TERM", "INT", "KILL":
				p.signal(sig)
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

func (k *Kubelet) procs() []*srsProc {
	k.mu.Lock()
	sps := make([]*simPod, 0, len(k.pods))
	for _, sp := range k.pods {
		sps = append(sps, sp)
	}
	k.mu.Unlock()
	var out []*srsProc
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
