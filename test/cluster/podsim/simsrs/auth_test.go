package simsrs

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kubectl-srs.test/cluster/podsim/simtest"
)

func askAPI(p *Proc, path, authorization string, httpServer bool) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	w := httptest.NewRecorder()
	if httpServer {
		p.serveHTTPServer(w, r)
	} else {
		p.serveAPI(w, r)
	}
	return w
}

// SRS 5.0.152+ / 6.0.40+ guard /api/ with HTTP Basic from srs.conf; older ones ignore the block.
func TestAPIAuthFromConf(t *testing.T) {
	for _, tc := range []struct {
		v        Version
		enforced bool
	}{
		{Version{4, 0, 271}, false}, {Version{5, 0, 151}, false}, {Version{5, 0, 152}, true},
		{Version{5, 0, 213}, true}, {Version{6, 0, 39}, false}, {Version{6, 0, 155}, true},
	} {
		t.Run(tc.v.String(), func(t *testing.T) {
			p, _ := newTestProc(t, tc.v, simtest.AuthConf, Knobs{Connections: -1})
			w := askAPI(p, "/api/v1/versions", "", false)
			if !tc.enforced {
				if w.Code != 200 {
					t.Fatalf("SRS %s has no API auth, got %d", tc.v, w.Code)
				}
				return
			}
			if w.Code != 401 || w.Header().Get("WWW-Authenticate") != "Basic" || w.Body.Len() != 0 {
				t.Fatalf("no credentials: %d %q %q", w.Code, w.Header().Get("WWW-Authenticate"), w.Body.String())
			}
			if w := askAPI(p, "/api/v1/summaries", simtest.Basic("admin", "s3cret"), false); w.Code != 200 || !strings.Contains(w.Body.String(), `"code":0`) {
				t.Fatalf("right credentials: %d %s", w.Code, w.Body.String())
			}
			if w := askAPI(p, "/api/v1/versions", simtest.Basic("admin", "wrong"), false); w.Code != 401 || w.Header().Get("WWW-Authenticate") != "Basic" {
				t.Fatalf("wrong password: %d %v", w.Code, w.Header())
			}
			// Malformed headers: 401 without the challenge.
			for _, h := range []string{"Bearer x", "Basic !!!", simtest.Basic("admin", "s3:cret")} {
				if w := askAPI(p, "/api/v1/versions", h, false); w.Code != 401 || w.Header().Get("WWW-Authenticate") != "" {
					t.Fatalf("%q: %d %v", h, w.Code, w.Header())
				}
			}
			// Only paths containing /api/ are guarded; the http_server port guards them too.
			if w := askAPI(p, "/", "", false); w.Code != 200 {
				t.Fatalf("/ needs no auth, got %d", w.Code)
			}
			if w := askAPI(p, "/api/v1/versions", "", true); w.Code != 401 {
				t.Fatalf("http_server /api/: %d", w.Code)
			}
		})
	}
}

// SRS_HTTP_API_AUTH_* (set and non-empty) win over srs.conf.
func TestAPIAuthFromEnv(t *testing.T) {
	noAuth := "listen 1935; http_api { enabled on; listen 1985; }"
	p, err := StartProc("default", "e", "10.244.1.9", Version{6, 0, 155}, Knobs{Connections: -1}, Hooks{
		Bind: func(*Proc) {}, Unbind: func(*Proc) {}, Loaded: func(Snapshot) {}, Exited: func(*Proc, string) {},
		ReadConf: func() (string, error) { return noAuth, nil },
		Env:      map[string]string{"SRS_HTTP_API_AUTH_ENABLED": "on", "SRS_HTTP_API_AUTH_USERNAME": "ops", "SRS_HTTP_API_AUTH_PASSWORD": "pw"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if w := askAPI(p, "/api/v1/versions", "", false); w.Code != 401 {
		t.Fatalf("env enables auth: %d", w.Code)
	}
	if w := askAPI(p, "/api/v1/versions", simtest.Basic("ops", "pw"), false); w.Code != 200 {
		t.Fatalf("env credentials: %d", w.Code)
	}
	p2, _ := newTestProc(t, Version{6, 0, 155}, simtest.AuthConf, Knobs{Connections: -1})
	p2.hooks.Env = map[string]string{"SRS_HTTP_API_AUTH_ENABLED": "off"}
	if w := askAPI(p2, "/api/v1/versions", "", false); w.Code != 200 {
		t.Fatalf("env switches auth off: %d", w.Code)
	}
}
