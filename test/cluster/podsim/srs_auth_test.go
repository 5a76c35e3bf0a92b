package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

const authConf = `listen 1935;
http_api { enabled on; listen 1985; auth { enabled on; username admin; password s3cret; } }
http_server { enabled on; listen 8080; }
vhost __defaultVhost__ { }
`

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func askAPI(p *srsProc, path, authorization string, httpServer bool) *httptest.ResponseRecorder {
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
		v        srsVersion
		enforced bool
	}{
		{srsVersion{4, 0, 271}, false}, {srsVersion{5, 0, 151}, false}, {srsVersion{5, 0, 152}, true},
		{srsVersion{5, 0, 213}, true}, {srsVersion{6, 0, 39}, false}, {srsVersion{6, 0, 155}, true},
	} {
		t.Run(tc.v.String(), func(t *testing.T) {
			p, _ := newTestProc(t, tc.v, authConf, knobs{Connections: -1})
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
			if w := askAPI(p, "/api/v1/summaries", basic("admin", "s3cret"), false); w.Code != 200 || !strings.Contains(w.Body.String(), `"code":0`) {
				t.Fatalf("right credentials: %d %s", w.Code, w.Body.String())
			}
			if w := askAPI(p, "/api/v1/versions", basic("admin", "wrong"), false); w.Code != 401 || w.Header().Get("WWW-Authenticate") != "Basic" {
				t.Fatalf("wrong password: %d %v", w.Code, w.Header())
			}
			// Malformed headers: 401 without the challenge.
			for _, h := range []string{"Bearer x", "Basic !!!", basic("admin", "s3:cret")} {
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
	p, err := startSRSProc("default", "e", "10.244.1.9", srsVersion{6, 0, 155}, knobs{Connections: -1}, procHooks{
		bind: func(*srsProc) {}, unbind: func(*srsProc) {}, loaded: func(procSnapshot) {}, exited: func(*srsProc, string) {},
		readConf: func() (string, error) { return noAuth, nil },
		env:      map[string]string{"SRS_HTTP_API_AUTH_ENABLED": "on", "SRS_HTTP_API_AUTH_USERNAME": "ops", "SRS_HTTP_API_AUTH_PASSWORD": "pw"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if w := askAPI(p, "/api/v1/versions", "", false); w.Code != 401 {
		t.Fatalf("env enables auth: %d", w.Code)
	}
	if w := askAPI(p, "/api/v1/versions", basic("ops", "pw"), false); w.Code != 200 {
		t.Fatalf("env credentials: %d", w.Code)
	}
	p2, _ := newTestProc(t, srsVersion{6, 0, 155}, authConf, knobs{Connections: -1})
	p2.hooks.env = map[string]string{"SRS_HTTP_API_AUTH_ENABLED": "off"}
	if w := askAPI(p2, "/api/v1/versions", "", false); w.Code != 200 {
		t.Fatalf("env switches auth off: %d", w.Code)
	}
}

// The kubelet streaming server forwards a port of the pod to its simulated SRS, with
// client-go's SPDY port-forward client, as kubectl uses it (the apiserver hop is covered by
// the e2e tests).
func TestPortForwardThroughStreamingServer(t *testing.T) {
	port := freeLoopbackPort(t)
	reg := newAPIRegistry("127.0.0.1", t.Logf)
	defer reg.close()
	conf := strings.Replace(authConf, "listen 1985", fmt.Sprintf("listen %d", port), 1)
	p, err := startSRSProc("default", "srs-auth-0", "127.0.0.1", srsVersion{6, 0, 155}, knobs{Connections: 7}, procHooks{
		bind: reg.bind, unbind: reg.unbind, loaded: func(procSnapshot) {}, exited: func(*srsProc, string) {},
		readConf: func() (string, error) { return conf, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.signal("KILL")

	k := &Kubelet{logf: t.Logf, pods: map[string]*simPod{
		"default/srs-auth-0": {key: "default/srs-auth-0", ns: "default", name: "srs-auth-0", uid: "uid-1", ip: "127.0.0.1", started: true},
	}}
	kubelet := httptest.NewTLSServer(k.streamingHandler())
	defer kubelet.Close()

	forward := func(path string) (*portforward.PortForwarder, chan struct{}, error) {
		rt, upgrader, err := spdy.RoundTripperFor(&rest.Config{Host: kubelet.URL, TLSClientConfig: rest.TLSClientConfig{Insecure: true}})
		if err != nil {
			return nil, nil, err
		}
		u, _ := url.Parse(kubelet.URL + path)
		dialer := spdy.NewDialer(upgrader, &http.Client{Transport: rt}, http.MethodPost, u)
		stop, ready := make(chan struct{}), make(chan struct{})
		fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{fmt.Sprintf("0:%d", port)}, stop, ready, io.Discard, io.Discard)
		if err != nil {
			return nil, nil, err
		}
		errc := make(chan error, 1)
		go func() { errc <- fw.ForwardPorts() }()
		select {
		case <-ready:
			return fw, stop, nil
		case err := <-errc:
			return nil, nil, err
		case <-time.After(10 * time.Second):
			return nil, nil, fmt.Errorf("port-forward not ready")
		}
	}

	fw, stop, err := forward("/portForward/default/srs-auth-0")
	if err != nil {
		t.Fatal(err)
	}
	defer close(stop)
	ports, err := fw.GetPorts()
	if err != nil || len(ports) != 1 {
		t.Fatal(ports, err)
	}
	local := fmt.Sprintf("http://127.0.0.1:%d/api/v1/summaries", ports[0].Local)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, local, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(""); code != 401 {
		t.Fatalf("through the forward without credentials: %d", code)
	}
	if code, body := get(basic("admin", "s3cret")); code != 200 || !strings.Contains(body, `"conn_srs":7`) {
		t.Fatalf("through the forward with credentials: %d %s", code, body)
	}

	// An unknown pod is refused before any stream is set up.
	resp, err := kubelet.Client().Post(kubelet.URL+"/portForward/default/nope", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown pod: %d", resp.StatusCode)
	}
}
