package simsrs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
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
// player, and goes on once it closes. SRS 4: Go's client keeps the connection it answers
// (it drops one whose answer says Connection: Close, as 5/6 send; see
// TestSRS6ConnectionCloseAnswersHoldGracefulQuit for those).
func TestOpenHTTPConnectionHoldsUpGracefulQuit(t *testing.T) {
	ShortDelays(t)
	port := simtest.FreeLoopbackPort(t)
	reg := NewRegistry("127.0.0.1", t.Logf)
	defer reg.Close()
	conf := fmt.Sprintf("grace_start_wait 10; grace_final_wait 10; http_api { enabled on; listen %d; }", port)
	exited := make(chan struct{})
	p, err := StartProc("default", "edge", "127.0.0.1", Version{4, 0, 271}, Knobs{Connections: 0}, Hooks{
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

// rawHTTPConn sends requests over one TCP connection and reads the answers as they come,
// so a test sees what the server does with the connection whatever the answer's headers say
// (Go's client, like Node's, drops a connection whose answer says Connection: Close).
type rawHTTPConn struct {
	t    *testing.T
	c    net.Conn
	br   *bufio.Reader
	seen bytes.Buffer // the bytes of the last answer as they came (ReadResponse drops a Connection: close header)
}

func dialRaw(t *testing.T, port int) *rawHTTPConn {
	t.Helper()
	c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &rawHTTPConn{t: t, c: c}
	r.br = bufio.NewReader(io.TeeReader(c, &r.seen))
	return r
}

// get sends GET path with the given protocol line and extra header lines and reads the answer.
func (r *rawHTTPConn) get(path, proto string, headers ...string) (*http.Response, []byte, error) {
	r.t.Helper()
	req := "GET " + path + " " + proto + "\r\nHost: srs\r\n"
	for _, h := range headers {
		req += h + "\r\n"
	}
	r.seen.Reset()
	r.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.c.Write([]byte(req + "\r\n")); err != nil {
		return nil, nil, err
	}
	resp, err := http.ReadResponse(r.br, nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// saysConnectionClose reports whether the last answer had SRS's header, spelled as SRS does.
func (r *rawHTTPConn) saysConnectionClose() bool {
	return bytes.Contains(r.seen.Bytes(), []byte("\r\nConnection: Close\r\n"))
}

// closedByServer reports whether the server closed the connection (EOF within a second).
func (r *rawHTTPConn) closedByServer() bool {
	r.c.SetReadDeadline(time.Now().Add(time.Second))
	_, err := r.br.ReadByte()
	return errors.Is(err, io.EOF)
}

func startOnPorts(t *testing.T, reg *Registry, v Version, k Knobs, conf string, exited chan struct{}) *Proc {
	t.Helper()
	p, err := StartProc("default", "edge", "127.0.0.1", v, k, Hooks{
		Bind: reg.Bind, Unbind: reg.Unbind, Loaded: func(Snapshot) {}, Exited: func(*Proc, string) { close(exited) },
		ReadConf: func() (string, error) { return conf, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// SRS 5/6 put Connection: Close on every answer (API and http_server) yet go on reading the
// connection while the requests are keep-alive; a request that says Connection: close, or an
// HTTP/1.0 one without keep-alive, ends it after its answer.
func TestSRS6AnswersConnectionCloseAndKeepsReading(t *testing.T) {
	apiPort, httpPort := simtest.FreeLoopbackPort(t), simtest.FreeLoopbackPort(t)
	reg := NewRegistry("127.0.0.1", t.Logf)
	defer reg.Close()
	conf := fmt.Sprintf("http_api { enabled on; listen %d; } http_server { enabled on; listen %d; }", apiPort, httpPort)
	// the version comes from report-version, as the e2e tests set it on 4.x images
	p := startOnPorts(t, reg, Version{4, 0, 271}, Knobs{Connections: 1, ReportVersion: "6.0.157"}, conf, make(chan struct{}))
	defer p.Signal("KILL")

	for _, port := range []int{apiPort, httpPort} {
		rc := dialRaw(t, port)
		for i, path := range []string{"/api/v1/versions", "/api/v1/versions", "/api/v1/clients/"} {
			if port == httpPort && i == 2 {
				path = "/no-such-file" // the http_server port: 404, same header
			}
			resp, body, err := rc.get(path, "HTTP/1.1")
			if err != nil {
				t.Fatalf("port %d, request %d on one connection: %v", port, i+1, err)
			}
			if !rc.saysConnectionClose() {
				t.Fatalf("port %d, request %d: no Connection: Close as SRS 6 sends (%d %s)", port, i+1, resp.StatusCode, body)
			}
		}
		if got := p.Snapshot().HTTPConns; got != 1 {
			t.Fatalf("port %d: httpConnections %d with one connection open", port, got)
		}
		if resp, _, err := rc.get("/api/v1/versions", "HTTP/1.1", "Connection: close"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("port %d: request with Connection: close: %v", port, err)
		}
		if !rc.closedByServer() {
			t.Fatalf("port %d: connection still open after a request with Connection: close", port)
		}
		simtest.Eventually(t, time.Second, "connection uncounted", func() bool { return p.Snapshot().HTTPConns == 0 })
	}

	rc := dialRaw(t, apiPort)
	if _, _, err := rc.get("/api/v1/versions", "HTTP/1.0"); err != nil {
		t.Fatal(err)
	}
	if !rc.closedByServer() {
		t.Fatal("connection still open after an HTTP/1.0 request without keep-alive")
	}
}

// SRS 4 answers keep-alive requests without a Connection header.
func TestSRS4AnswersWithoutConnectionHeader(t *testing.T) {
	apiPort, httpPort := simtest.FreeLoopbackPort(t), simtest.FreeLoopbackPort(t)
	reg := NewRegistry("127.0.0.1", t.Logf)
	defer reg.Close()
	conf := fmt.Sprintf("http_api { enabled on; listen %d; } http_server { enabled on; listen %d; }", apiPort, httpPort)
	p := startOnPorts(t, reg, Version{4, 0, 271}, Knobs{Connections: 0}, conf, make(chan struct{}))
	defer p.Signal("KILL")
	for _, port := range []int{apiPort, httpPort} {
		rc := dialRaw(t, port)
		for i := 0; i < 2; i++ {
			resp, _, err := rc.get("/api/v1/versions", "HTTP/1.1")
			if err != nil {
				t.Fatalf("port %d, request %d: %v", port, i+1, err)
			}
			if got, ok := resp.Header["Connection"]; ok || resp.Close {
				t.Fatalf("port %d: SRS 4 answered with Connection %q", port, got)
			}
		}
	}
}

// A connection a 6.0.132+ pod answers with Connection: Close still counts as an SRS
// connection: it holds up a graceful quit while open and is served after the listeners
// closed (the plugin's hand-off lists and closes clients through it), until it goes.
func TestSRS6ConnectionCloseAnswersHoldGracefulQuit(t *testing.T) {
	ShortDelays(t)
	port := simtest.FreeLoopbackPort(t)
	reg := NewRegistry("127.0.0.1", t.Logf)
	defer reg.Close()
	conf := fmt.Sprintf("grace_start_wait 10; grace_final_wait 10; http_api { enabled on; listen %d; }", port)
	exited := make(chan struct{})
	p := startOnPorts(t, reg, Version{6, 0, 157}, Knobs{Connections: 1}, conf, exited)
	rc := dialRaw(t, port)
	if _, _, err := rc.get("/api/v1/versions", "HTTP/1.1"); err != nil {
		t.Fatal(err)
	}
	simtest.Eventually(t, time.Second, "connection counted", func() bool { return p.Snapshot().HTTPConns == 1 })
	p.Signal("QUIT")
	simtest.Eventually(t, time.Second, "draining", func() bool { return p.Snapshot().State == "draining" })
	resp, body, err := rc.get("/api/v1/clients/", "HTTP/1.1")
	if err != nil {
		t.Fatalf("held connection not served while draining: %v", err)
	}
	var cl clientsResp
	if err := json.Unmarshal(body, &cl); err != nil || len(cl.Clients) != 1 || !rc.saysConnectionClose() {
		t.Fatalf("clients over the held connection: %v %v %s", err, resp.Header, body)
	}
	req := "DELETE /api/v1/clients/" + cl.Clients[0].ID + " HTTP/1.1\r\nHost: srs\r\n\r\n"
	if _, err := rc.c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.ReadResponse(rc.br, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("DELETE over the held connection: %v", err)
	} else {
		io.ReadAll(resp.Body)
	}
	select {
	case <-exited:
		t.Fatal("quit with the held HTTP connection open")
	case <-time.After(200 * time.Millisecond):
	}
	rc.c.Close()
	select {
	case <-exited:
	case <-time.After(time.Second):
		t.Fatalf("no quit after the client was closed and the connection went: %+v", p.Snapshot())
	}
}
