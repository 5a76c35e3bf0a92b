package simsrs

import (
	"testing"
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

func newTestProc(t *testing.T, v Version, conf string, k Knobs) (*Proc, *fakeHooks) {
	t.Helper()
	fh := &fakeHooks{conf: conf, exits: make(chan string, 4)}
	p, err := StartProc("default", "srs-origin-0", "10.244.1.3", v, k, Hooks{
		Bind:     func(*Proc) { fh.binds++ },
		Unbind:   func(*Proc) { fh.unbinds++ },
		Loaded:   func(Snapshot) {},
		Exited:   func(_ *Proc, reason string) { fh.exits <- reason },
		ReadConf: func() (string, error) { return fh.conf, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, fh
}

func publishing(n int) Knobs {
	return Knobs{Connections: n, Streams: []string{"live/livestream"}, Kbps: 380}
}
