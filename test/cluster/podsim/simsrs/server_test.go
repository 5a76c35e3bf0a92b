package simsrs

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"kubectl-srs.test/cluster/podsim/simtest"
)

// The shared listener picks the pod by the local address of the connection. Loopback
// only: the pod "IP" here is 127.0.0.1 and the port a free one.
func TestRegistryRoutesByLocalAddress(t *testing.T) {
	port := simtest.FreeLoopbackPort(t)

	reg := NewRegistry("127.0.0.1", t.Logf)
	defer reg.Close()
	conf := fmt.Sprintf("http_api { enabled on; listen %d; }", port)
	p, err := StartProc("default", "origin", "127.0.0.1", Version{6, 0, 155}, Knobs{Connections: -1}, Hooks{
		Bind: reg.Bind, Unbind: reg.Unbind, Loaded: func(Snapshot) {}, Exited: func(*Proc, string) {},
		ReadConf: func() (string, error) { return conf, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/api/v1/versions", port)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) == 0 || resp.Header.Get("Server") != "SRS/6.0.155(Hang)" {
		t.Fatalf("%d %s %v", resp.StatusCode, body, resp.Header)
	}

	p.SetKnobs(Knobs{Connections: -1, Fault: "refuse"})
	if _, err := client.Get(url); err == nil {
		t.Fatal("fault refuse still answered")
	}
	p.SetKnobs(Knobs{Connections: -1})
	if _, err := client.Get(url); err != nil {
		t.Fatal(err)
	}
	p.Signal("KILL")
	if _, err := client.Get(url); err == nil {
		t.Fatal("killed SRS still answered")
	}
}

// An open HTTP connection is a connection to SRS: a graceful quit waits for it as for a
// player, and goes on once it closes.
func TestOpenHTTPConnectionHoldsUpGracefulQuit(t *testing.T) {
	ShortDelays(t)
	port := simtest.FreeLoopbackPort(t)
	reg := NewRegistry("127.0.0.1", t.Logf)
	defer reg.Close()
	conf := fmt.Sprintf("grace_start_wait 10; grace_final_wait 10; http_api { enabled on; listen %d; }", port)
	exited := make(chan struct{})
	p, err := StartProc("default", "edge", "127.0.0.1", Version{6, 0, 155}, Knobs{Connections: 0}, Hooks{
		Bind: reg.Bind, Unbind: reg.Unbind, Loaded: func(Snapshot) {}, Exited: func(*Proc, string) { close(exited) },
		ReadConf: func() (string, error) { return conf, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	resp, err := (&http.Client{Transport: tr}).Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/versions", port))
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close() // the keep-alive connection stays open, idle
	simtest.Eventually(t, time.Second, "connection counted", func() bool { return p.Snapshot().HTTPConns == 1 })
	p.Signal("QUIT")
	simtest.Eventually(t, time.Second, "draining", func() bool { return p.Snapshot().State == "draining" })
	select {
	case <-exited:
		t.Fatal("quit with an HTTP connection open")
	case <-time.After(200 * time.Millisecond):
	}
	tr.CloseIdleConnections()
	select {
	case <-exited:
	case <-time.After(time.Second):
		t.Fatalf("no quit after the HTTP connection closed: %+v", p.Snapshot())
	}
}

// A keep-alive connection opened before a graceful quit is still served after SRS closed its
// listeners, as on real SRS: the clients can be listed and closed through it (the plugin's
// --handoff-after), while a new connection is refused; SRS quits once they and it are gone.
func TestHeldConnectionServedAfterListenersClose(t *testing.T) {
	ShortDelays(t)
	port := simtest.FreeLoopbackPort(t)
	reg := NewRegistry("127.0.0.1", t.Logf)
	defer reg.Close()
	conf := fmt.Sprintf("grace_start_wait 10; grace_final_wait 10; http_api { enabled on; listen %d; }", port)
	exited := make(chan struct{})
	p, err := StartProc("default", "edge", "127.0.0.1", Version{4, 0, 271}, Knobs{Connections: 2}, Hooks{
		Bind: reg.Bind, Unbind: reg.Unbind, Loaded: func(Snapshot) {}, Exited: func(*Proc, string) { close(exited) },
		ReadConf: func() (string, error) { return conf, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	tr := &http.Transport{MaxConnsPerHost: 1}
	held := &http.Client{Transport: tr}
	do := func(c *http.Client, method, path string) (*http.Response, []byte, error) {
		req, _ := http.NewRequest(method, base+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}
	if _, _, err := do(held, "GET", "/api/v1/versions"); err != nil {
		t.Fatal(err)
	}
	p.Signal("QUIT")
	simtest.Eventually(t, time.Second, "draining", func() bool { return p.Snapshot().State == "draining" })
	if _, _, err := do(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}, "GET", "/api/v1/versions"); err == nil {
		t.Fatal("a new connection was served after the listeners closed")
	}
	_, body, err := do(held, "GET", "/api/v1/clients/")
	if err != nil {
		t.Fatalf("held connection not served while draining: %v", err)
	}
	var cl clientsResp
	if err := json.Unmarshal(body, &cl); err != nil || len(cl.Clients) != 2 {
		t.Fatalf("clients over the held connection: %v %s", err, body)
	}
	for _, c := range cl.Clients {
		if resp, _, err := do(held, "DELETE", "/api/v1/clients/"+c.ID); err != nil || resp.StatusCode != 200 {
			t.Fatalf("DELETE %s: %v", c.ID, err)
		}
	}
	select {
	case <-exited:
		t.Fatal("quit with the held HTTP connection open")
	case <-time.After(200 * time.Millisecond):
	}
	tr.CloseIdleConnections()
	select {
	case <-exited:
	case <-time.After(time.Second):
		t.Fatalf("no quit after the clients were closed and the connection went: %+v", p.Snapshot())
	}
}
