package simsrs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// apiRegistry serves every simulated SRS from a few shared listeners: one on
// <listen-host>:<port> per distinct port in use. Inside the netns every 10.244.x.y is a
// local address, so the apiserver's pod proxy dials podIP:port and lands here; the local
// address of the connection (the pod IP it dialed) picks the pod. A pod that is not
// listening on that port gets its connection reset, the closest we can get to "connection
// refused" with a shared socket; the apiserver then answers 502/503 like for a dead pod.

type endpointKind int

const (
	KindAPI endpointKind = iota
	kindHTTPServer
)

type endpoint struct {
	Proc *Proc
	Kind endpointKind
}

type addrKey struct {
	ip   string
	port int
}

type Registry struct {
	listenHost string
	logf       func(format string, args ...any)

	mu        sync.RWMutex
	endpoints map[addrKey]endpoint
	byProc    map[*Proc][]addrKey
	Listeners map[int]net.Listener
	servers   []*http.Server
	conns     map[net.Conn]*Proc // open HTTP connections and the SRS that serves each
}

func NewRegistry(listenHost string, logf func(string, ...any)) *Registry {
	return &Registry{
		listenHost: listenHost, logf: logf,
		endpoints: map[addrKey]endpoint{}, byProc: map[*Proc][]addrKey{}, Listeners: map[int]net.Listener{},
		conns: map[net.Conn]*Proc{},
	}
}

// bind maps the pod's API and HTTP-server ports. It reads p.settings without taking
// p.mu: callers hold it or own p exclusively.
func (r *Registry) Bind(p *Proc) {
	s := p.settings
	var keys []addrKey
	if s.HTTPServerEnabled && s.HTTPServerPort > 0 {
		keys = append(keys, addrKey{p.PodIP, s.HTTPServerPort})
	}
	if s.APIEnabled && s.APIPort > 0 {
		keys = append(keys, addrKey{p.PodIP, s.APIPort}) // API wins when both share a port
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		kind := kindHTTPServer
		if s.APIEnabled && k.port == s.APIPort {
			kind = KindAPI
		}
		r.endpoints[k] = endpoint{Proc: p, Kind: kind}
		if err := r.ensureListenerLocked(k.port); err != nil {
			r.logf("listen on port %d: %v", k.port, err)
		}
	}
	r.byProc[p] = keys
}

func (r *Registry) Unbind(p *Proc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.byProc[p] {
		if e, ok := r.endpoints[k]; ok && e.Proc == p {
			delete(r.endpoints, k)
		}
	}
	delete(r.byProc, p)
}

func (r *Registry) Lookup(ip string, port int) (endpoint, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.endpoints[addrKey{ip, port}]
	return e, ok
}

// accepting is lookup for the data path: a pod with fault "refuse" accepts nothing.
func (r *Registry) accepting(ip string, port int) (endpoint, bool) {
	e, ok := r.Lookup(ip, port)
	if ok && e.Proc.fault() == "refuse" {
		return endpoint{}, false
	}
	return e, ok
}

func (r *Registry) ensureListenerLocked(port int) error {
	if _, ok := r.Listeners[port]; ok {
		return nil
	}
	ln, err := net.Listen("tcp4", net.JoinHostPort(r.listenHost, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	fl := &podFilterListener{Listener: ln, reg: r, port: port}
	r.Listeners[port] = fl
	// IdleTimeout: SRS closes an HTTP connection that sends nothing for 15 s (its HTTP
	// receive timeout); until then a keep-alive connection counts and holds up a graceful quit.
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: httpIdleTimeout,
		ConnState:   func(c net.Conn, st http.ConnState) { r.connState(c, port, st) },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) }}
	r.servers = append(r.servers, srv)
	go func() {
		if err := srv.Serve(fl); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.logf("serve port %d: %v", port, err)
		}
	}()
	r.logf("simulated SRS listening on %s", ln.Addr())
	return nil
}

var httpIdleTimeout = 15 * time.Second

// connState counts each accepted connection against the SRS of the pod it was made to, from
// accept until it closes (or is hijacked to be reset), as SRS's connection manager does.
func (r *Registry) connState(c net.Conn, port int, st http.ConnState) {
	switch st {
	case http.StateNew:
		ta, ok := c.LocalAddr().(*net.TCPAddr)
		if !ok {
			return
		}
		e, found := r.Lookup(ta.IP.String(), port)
		if !found {
			return
		}
		r.mu.Lock()
		r.conns[c] = e.Proc
		r.mu.Unlock()
		e.Proc.httpConnOpened()
	case http.StateClosed, http.StateHijacked:
		r.mu.Lock()
		p, ok := r.conns[c]
		delete(r.conns, c)
		r.mu.Unlock()
		if ok {
			p.httpConnClosed()
		}
	}
}

func (r *Registry) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.servers {
		s.Close()
	}
}

func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	la, _ := req.Context().Value(http.LocalAddrContextKey).(net.Addr)
	ta, ok := la.(*net.TCPAddr)
	if !ok {
		http.Error(w, "no local address", http.StatusInternalServerError)
		return
	}
	e, found := r.accepting(ta.IP.String(), ta.Port)
	if !found {
		e, found = r.held(req, ta.Port)
	}
	if !found { // no SRS behind this connection any more
		resetHTTP(w)
		return
	}
	if e.Proc.Version().answersConnectionClose() {
		// Spelled as SRS does: Go's server ends the connection after an answer whose header is
		// exactly "close", not "Close", so the connection stays open (and counted) for the next
		// keep-alive request, as on SRS; a request that says close, or HTTP/1.0 without
		// keep-alive, still ends it. TestSRS6AnswersConnectionCloseAndKeepsReading guards this.
		w.Header().Set("Connection", "Close")
	}
	if e.Kind == KindAPI {
		e.Proc.serveAPI(w, req)
	} else {
		e.Proc.serveHTTPServer(w, req)
	}
}

// connKey carries the accepted connection into its requests (http.Server.ConnContext).
type connKey struct{}

// held: a connection accepted while its pod listened is still served after that SRS closed its
// listeners in a graceful quit, until it exits, as real SRS serves an established keep-alive
// connection (the plugin's --handoff-after closes clients through one).
func (r *Registry) held(req *http.Request, port int) (endpoint, bool) {
	c, _ := req.Context().Value(connKey{}).(net.Conn)
	r.mu.RLock()
	p := r.conns[c]
	r.mu.RUnlock()
	if p == nil {
		return endpoint{}, false
	}
	select {
	case <-p.Done():
		return endpoint{}, false
	default:
	}
	if s := p.Settings(); s.APIEnabled && s.APIPort == port {
		return endpoint{Proc: p, Kind: KindAPI}, true
	}
	return endpoint{Proc: p, Kind: kindHTTPServer}, true
}

// podFilterListener resets connections to addresses no pod listens on at accept time.
type podFilterListener struct {
	net.Listener
	reg  *Registry
	port int
}

func (l *podFilterListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if ta, ok := c.LocalAddr().(*net.TCPAddr); ok {
			if _, found := l.reg.accepting(ta.IP.String(), l.port); found {
				return c, nil
			}
		}
		resetConn(c)
	}
}

func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0) // close with RST, not FIN
	}
	c.Close()
}

func resetHTTP(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	c, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	resetConn(c)
}

// ports lists the ports with a listener, for logs and the control endpoint.
func (r *Registry) ports() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for p := range r.Listeners {
		out = append(out, fmt.Sprint(p))
	}
	return out
}
