package kubelet

import (
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
	"kubectl-srs.test/cluster/podsim/simsrs"
	"kubectl-srs.test/cluster/podsim/simtest"
)

// The kubelet streaming server forwards a port of the pod to its simulated SRS, with
// client-go's SPDY port-forward client, as kubectl uses it (the apiserver hop is covered by
// the e2e tests).
func TestPortForwardThroughStreamingServer(t *testing.T) {
	port := simtest.FreeLoopbackPort(t)
	reg := simsrs.NewRegistry("127.0.0.1", t.Logf)
	defer reg.Close()
	conf := strings.Replace(simtest.AuthConf, "listen 1985", fmt.Sprintf("listen %d", port), 1)
	p, err := simsrs.StartProc("default", "srs-auth-0", "127.0.0.1", simsrs.Version{Major: 6, Minor: 0, Revision: 155}, simsrs.Knobs{Connections: 7}, simsrs.Hooks{
		Bind: reg.Bind, Unbind: reg.Unbind, Loaded: func(simsrs.Snapshot) {}, Exited: func(*simsrs.Proc, string) {},
		ReadConf: func() (string, error) { return conf, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Signal("KILL")

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
	if code, body := get(simtest.Basic("admin", "s3cret")); code != 200 || !strings.Contains(body, `"conn_srs":7`) {
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
