package main

import (
	"net"
	"testing"

	v1 "k8s.io/api/core/v1"
)

// captureConf is the base config the captures in test/fixtures/srs-api were made with
// (its README, "How they were captured"), with SRS's default ports.
const captureConf = `listen 1935; max_connections 1000; daemon off; srs_log_tank console;
http_api { enabled on; listen 1985; raw_api { enabled on; allow_reload on; allow_query on; allow_update on; } }
http_server { enabled on; listen 8080; dir ./objs/nginx/html; }
vhost __defaultVhost__ { http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } hls { enabled on; } }
`

const edgeConf = `listen 1935; http_api { enabled on; listen 1985; }
vhost __defaultVhost__ { cluster { mode remote; origin 10.244.1.2 10.244.1.3; } }
`

type fakeHooks struct {
	conf    string
	binds   int
	unbinds int
	exits   chan string
}

func newTestProc(t *testing.T, v srsVersion, conf string, k knobs) (*srsProc, *fakeHooks) {
	t.Helper()
	fh := &fakeHooks{conf: conf, exits: make(chan string, 4)}
	p, err := startSRSProc("default", "srs-origin-0", "10.244.1.3", v, k, procHooks{
		bind:     func(*srsProc) { fh.binds++ },
		unbind:   func(*srsProc) { fh.unbinds++ },
		loaded:   func(procSnapshot) {},
		exited:   func(_ *srsProc, reason string) { fh.exits <- reason },
		readConf: func() (string, error) { return fh.conf, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, fh
}

func publishing(n int) knobs {
	return knobs{Connections: n, Streams: []string{"live/livestream"}, Kbps: 380}
}

func containerWithPreStop(cmd []string) *v1.Container {
	return &v1.Container{Name: "srs", Lifecycle: &v1.Lifecycle{PreStop: &v1.LifecycleHandler{Exec: &v1.ExecAction{Command: cmd}}}}
}

// freeLoopbackPort is a TCP port on 127.0.0.1 that nothing listens on right now.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
