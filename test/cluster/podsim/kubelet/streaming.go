package kubelet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/cri-streaming/pkg/streaming/portforward"
)

// The kubelet's streaming server: an HTTPS listener on the node's
// kubelet port (advertised in the Node status) that serves /portForward/{ns}/{pod} with
// kubelet's own handler, so `kubectl port-forward` goes client → apiserver → here → the
// simulated SRS of the pod. SPDY and websocket clients both work: the handler speaks both,
// and the apiserver translates kubectl's websocket tunnel to SPDY for nodes that do not
// declare ExtendWebSocketsToKubelet (this one does not). It also serves container logs
// (/containerLogs/..., containerlogs.go); exec/attach are not simulated: those paths answer 404.
//
// The apiserver does not verify a kubelet serving certificate without
// --kubelet-certificate-authority, and this server does not ask for a client certificate:
// it only listens inside the cluster's network namespace.

const (
	streamIdleTimeout     = 4 * time.Hour // kubelet's --streaming-connection-idle-timeout default
	streamCreationTimeout = 30 * time.Second
)

// podForwarder dials the pod's IP inside the namespace, where the simulated SRS listens.
type podForwarder struct {
	k *Kubelet
}

func (f podForwarder) PortForward(ctx context.Context, name string, uid string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	ip, err := f.k.podIPFor(name, uid)
	if err != nil {
		return err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ip, strconv.Itoa(int(port))))
	if err != nil {
		// kubelet words it like this too; the client prints it as the forward's error.
		return fmt.Errorf("failed to connect to localhost:%d inside namespace %q, IP %s: %v", port, name, ip, err)
	}
	defer conn.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		io.Copy(conn, stream)
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
	}()
	io.Copy(stream, conn)
	// The pod closed its side: end the stream so the client sees EOF, then wait for the copy
	// from the client to finish (it ends when the stream is reset or closed).
	stream.Close()
	conn.Close()
	wg.Wait()
	return nil
}

// podIPFor resolves the "name" kubelet passes (the pod's key, ns/name) to its running IP.
func (k *Kubelet) podIPFor(key, uid string) (string, error) {
	sp := k.lookup(key)
	if sp == nil {
		return "", fmt.Errorf("pod %s not found", key)
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if uid != "" && string(sp.uid) != uid {
		return "", fmt.Errorf("pod %s not found (uid %s)", key, uid)
	}
	if sp.ip == "" || !sp.started {
		return "", fmt.Errorf("pod %s is not running", key)
	}
	return sp.ip, nil
}

// streamingHandler serves /portForward/{namespace}/{pod}[/{uid}] and /containerLogs/{namespace}/{pod}/{container}.
func (k *Kubelet) streamingHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/containerLogs/", k.serveContainerLogs)
	mux.HandleFunc("/portForward/", func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/portForward/"), "/")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			http.Error(w, "expected /portForward/{namespace}/{pod}[/{uid}]", http.StatusBadRequest)
			return
		}
		uid := ""
		if len(parts) == 3 {
			uid = parts[2]
		}
		key := parts[0] + "/" + parts[1]
		if _, err := k.podIPFor(key, uid); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		opts, err := portforward.NewV4Options(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		k.logf("port-forward %s (%s)", key, r.Header.Get("Upgrade"))
		k.portForwards.Add(1)
		defer k.portForwards.Add(-1)
		portforward.ServePortForward(w, r, podForwarder{k}, key, uid, opts, streamIdleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
	})
	return mux
}

// serveStreaming listens on addr with a fresh self-signed certificate for the node IP.
func (k *Kubelet) ServeStreaming(addr string) (*http.Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	cert, err := selfSignedCert(k.cfg.NodeName, host)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler:           k.streamingHandler(),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}},
		ReadHeaderTimeout: 10 * time.Second,
	}
	go srv.ServeTLS(ln, "", "")
	return srv, nil
}

func selfSignedCert(nodeName, ip string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: nodeName},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{nodeName},
	}
	if parsed := net.ParseIP(ip); parsed != nil && !parsed.IsUnspecified() {
		tmpl.IPAddresses = []net.IP{parsed}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
