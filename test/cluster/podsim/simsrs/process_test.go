package simsrs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"kubectl-srs.test/cluster/podsim/simtest"
)

const graceConf = `grace_start_wait 50; grace_final_wait 50; force_grace_quit on;
http_api { enabled on; listen 1985; raw_api { enabled on; allow_reload on; } }
vhost __defaultVhost__ { }`

func waitExit(t *testing.T, fh *fakeHooks, within time.Duration) string {
	t.Helper()
	select {
	case r := <-fh.exits:
		return r
	case <-time.After(within):
		t.Fatalf("no exit within %s", within)
	}
	return ""
}

func TestGracefulQuitWaitsForClients(t *testing.T) {
	ShortDelays(t)
	p, fh := newTestProc(t, Version{4, 0, 271}, graceConf, publishing(5))
	p.Signal("QUIT")
	p.Signal("TERM") // force_grace_quit: no effect on a running graceful quit
	simtest.Eventually(t, 2*time.Second, "draining after grace_start_wait", func() bool { return p.Snapshot().State == "draining" })
	if s := p.Snapshot(); s.Listening || fh.unbinds != 1 || s.Connections != 5 {
		t.Fatalf("after grace_start_wait: %+v unbinds=%d", s, fh.unbinds)
	}
	select {
	case <-p.Done():
		t.Fatal("exited with clients connected")
	case <-time.After(200 * time.Millisecond):
	}
	p.SetKnobs(Knobs{Connections: 0})
	waitExit(t, fh, time.Second)
}

func TestVersion5DropsClients(t *testing.T) {
	ShortDelays(t)
	p, fh := newTestProc(t, Version{5, 0, 213}, graceConf, publishing(5))
	p.Signal("QUIT")
	waitExit(t, fh, time.Second)
	if p.Connections() != 0 {
		t.Fatal("clients survived a 5.x quit")
	}
}

func TestTermWithoutForceGraceQuitIsFast(t *testing.T) {
	ShortDelays(t)
	p, fh := newTestProc(t, Version{6, 0, 155}, "http_api { enabled on; }", publishing(5))
	p.Signal("TERM")
	waitExit(t, fh, time.Second)
}

func getJSON(t *testing.T, p *Proc, path string, out any) {
	t.Helper()
	rec := httptest.NewRecorder()
	p.serveAPI(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		t.Fatalf("%s: %v: %s", path, err, rec.Body)
	}
}

func TestReloadFromInotifyAndBadConfig(t *testing.T) {
	ShortDelays(t)
	conf := `inotify_auto_reload on; http_api { enabled on; raw_api { enabled on; allow_reload on; } }
vhost __defaultVhost__ { cluster { mode remote; origin a.socs; } }`
	p, fh := newTestProc(t, Version{6, 0, 155}, conf, Knobs{Connections: -1})
	fh.conf = `inotify_auto_reload on; http_api { enabled on; raw_api { enabled on; allow_reload on; } }
vhost __defaultVhost__ { cluster { mode remote; origin b.socs c.socs; } }`
	p.VolumeSwapped()
	simtest.Eventually(t, 2*time.Second, "the inotify reload", func() bool { return p.Snapshot().Reloads == 1 })
	if s := p.Snapshot(); len(s.Origins) != 2 || s.Origins[0] != "b.socs" {
		t.Fatalf("after inotify reload: %+v", s)
	}
	var rf reloadFetchResp
	getJSON(t, p, "/api/v1/raw?rpc=reload-fetch", &rf)
	if rf.Data.State != 90 || rf.Data.Err != 0 {
		t.Fatalf("reload-fetch %+v", rf)
	}
	fh.conf = "vhost x { "
	var ok codeOnly
	getJSON(t, p, "/api/v1/raw?rpc=reload", &ok)
	simtest.Eventually(t, 2*time.Second, "the failed reload", func() bool { return p.Snapshot().ReloadFailures == 1 })
	getJSON(t, p, "/api/v1/raw?rpc=reload-fetch", &rf)
	if ok.Code != 0 || rf.Data.State != 10 || rf.Data.Err != codeConfigInvalid {
		t.Fatalf("bad reload on 6.0: %+v %+v", ok, rf)
	}
	if s := p.Snapshot(); s.State != "running" || s.Origins[0] != "b.socs" {
		t.Fatalf("6.0 must keep the old config: %+v", s)
	}

	p4, fh4 := newTestProc(t, Version{4, 0, 271}, conf, Knobs{Connections: -1})
	fh4.conf = "vhost x { "
	p4.Signal("HUP")
	if r := waitExit(t, fh4, time.Second); r != "invalid config on reload" {
		t.Fatalf("4.0 exit reason %q", r)
	}
}

func TestAnnotationsDriveClientsAndPaging(t *testing.T) {
	p, _ := newTestProc(t, Version{6, 0, 155}, captureConf, Knobs{Connections: 90, Streams: []string{"live/a", "live/b"}, Kbps: 380})
	var sum summariesResp
	getJSON(t, p, "/api/v1/summaries", &sum)
	if sum.Data.System.ConnSRS != 90 {
		t.Fatalf("conn_srs %d", sum.Data.System.ConnSRS)
	}
	var cl clientsResp
	getJSON(t, p, "/api/v1/clients/?count=1", &cl)
	if len(cl.Clients) != 10 {
		t.Fatalf("count=1 gave %d clients, SRS gives at least 10", len(cl.Clients))
	}
	getJSON(t, p, "/api/v1/clients/?start=80&count=100", &cl)
	if len(cl.Clients) != 10 {
		t.Fatalf("start=80 gave %d", len(cl.Clients))
	}
	var st streamsResp
	getJSON(t, p, "/api/v1/streams/", &st)
	if len(st.Streams) != 2 || st.Streams[0].Clients+st.Streams[1].Clients != 90 || !st.Streams[0].Publish.Active || st.Streams[0].Kbps.Recv30s != 380 {
		t.Fatalf("streams %+v", st.Streams)
	}
	p.SetKnobs(Knobs{Connections: 0, ReportVersion: "4.0.5"})
	var ver versionsResp
	getJSON(t, p, "/api/v1/versions", &ver)
	if ver.Data.Version != "4.0.5" || ver.Service != "" {
		t.Fatalf("report-version: %+v", ver)
	}
	rec := httptest.NewRecorder()
	p.serveAPI(rec, httptest.NewRequest(http.MethodGet, "/api/v1/streams", nil))
	if rec.Code != http.StatusFound || rec.Body.String() != "Redirect to /api/v1/streams/" {
		t.Fatalf("redirect %d %q", rec.Code, rec.Body)
	}
}

func TestFaults(t *testing.T) {
	for fault, check := range map[string]func(*httptest.ResponseRecorder) bool{
		"500":          func(r *httptest.ResponseRecorder) bool { return r.Code == 500 },
		"garbage":      func(r *httptest.ResponseRecorder) bool { return r.Code == 200 && !json.Valid(r.Body.Bytes()) },
		"truncated":    func(r *httptest.ResponseRecorder) bool { return !json.Valid(r.Body.Bytes()) && r.Body.Len() > 0 },
		"unauthorized": func(r *httptest.ResponseRecorder) bool { return r.Code == 401 },
		"slow":         func(r *httptest.ResponseRecorder) bool { return r.Code == 200 && json.Valid(r.Body.Bytes()) },
	} {
		p, _ := newTestProc(t, Version{6, 0, 155}, captureConf, Knobs{Connections: -1, Fault: fault, Slow: 50 * time.Millisecond})
		rec := httptest.NewRecorder()
		t0 := time.Now()
		p.serveAPI(rec, httptest.NewRequest(http.MethodGet, "/api/v1/versions", nil))
		if !check(rec) || (fault == "slow" && time.Since(t0) < 50*time.Millisecond) {
			t.Errorf("fault %s: %d %q", fault, rec.Code, rec.Body)
		}
	}
}

// A reader that sees a reload in memory (control endpoint, tests) must also find what the
// loaded hook wrote (loaded.conf): the hook runs before the reload shows, however slow it is.
func TestLoadedHookRunsBeforeTheReloadShows(t *testing.T) {
	var mu sync.Mutex
	var recorded []Snapshot
	conf := "http_api { enabled on; }"
	p, err := StartProc("default", "srs-origin-0", "10.244.1.3", Version{6, 0, 155}, Knobs{Connections: -1}, Hooks{
		Bind: func(*Proc) {}, Unbind: func(*Proc) {}, Exited: func(*Proc, string) {},
		Loaded: func(s Snapshot) {
			time.Sleep(50 * time.Millisecond) // a loaded machine's disk
			mu.Lock()
			recorded = append(recorded, s)
			mu.Unlock()
		},
		ReadConf: func() (string, error) { return conf, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	conf = "http_api { enabled on; listen 1986; }"
	p.Signal("HUP")
	simtest.Eventually(t, 2*time.Second, "the reload", func() bool { return p.Snapshot().Reloads == 1 })
	mu.Lock()
	defer mu.Unlock()
	if len(recorded) != 2 || recorded[1].LoadedConf != conf || recorded[1].Reloads != 1 {
		t.Fatalf("the reload shows before the hook recorded it: %d records", len(recorded))
	}
}

func TestKillCutsTheClientsStillConnected(t *testing.T) {
	ShortDelays(t)
	p, fh := newTestProc(t, Version{6, 0, 155}, graceConf, Knobs{Connections: 4, Streams: []string{"live/a"}})
	p.Signal("QUIT")
	simtest.Eventually(t, 2*time.Second, "draining", func() bool { return p.Snapshot().State == "draining" })
	// Nobody leaves by himself: still 4 clients well after the drain began.
	time.Sleep(100 * time.Millisecond)
	if n := p.Connections(); n != 4 {
		t.Fatalf("clients left by themselves: %d", n)
	}
	p.Signal("KILL")
	waitExit(t, fh, time.Second)
	if cut := p.Killed(); !cut.Killed || cut.Players != 3 || cut.Publishers != 1 {
		t.Fatalf("cut %+v", cut)
	}
}

func TestDeleteClientClosesItAndAPublisherUnpublishes(t *testing.T) {
	p, _ := newTestProc(t, Version{6, 0, 155}, captureConf, Knobs{Connections: 25, Streams: []string{"live/livestream"}})
	var cl clientsResp
	var all []clientJSON
	for start := 0; ; start += 10 {
		getJSON(t, p, fmt.Sprintf("/api/v1/clients/?start=%d", start), &cl)
		all = append(all, cl.Clients...)
		if len(cl.Clients) < 10 {
			break
		}
	}
	if len(all) != 25 || all[0].Type != "fmle-publish" || !all[0].Publish {
		t.Fatalf("paged list: %d clients, first %+v", len(all), all[0])
	}
	kick := func(id string) {
		rec := httptest.NewRecorder()
		p.serveAPI(rec, httptest.NewRequest(http.MethodDelete, "/api/v1/clients/"+id, nil))
		var env envelope
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Code != 0 {
			t.Fatalf("DELETE %s: %s", id, rec.Body)
		}
	}
	kick(all[1].ID) // a player
	var one clientResp
	getJSON(t, p, "/api/v1/clients/"+all[1].ID, &one)
	var code codeOnly
	getJSON(t, p, "/api/v1/clients/"+all[1].ID, &code)
	if code.Code != codeClientNotFound {
		t.Fatalf("kicked client still answers by id: %+v", one)
	}
	kick(all[0].ID) // the publisher
	var st streamsResp
	getJSON(t, p, "/api/v1/streams/", &st)
	if len(st.Streams) != 1 || st.Streams[0].Clients != 23 || st.Streams[0].Publish.Active || st.Streams[0].Publish.CID != "" {
		t.Fatalf("after kicking a player and the publisher: %+v", st.Streams)
	}
	var sum summariesResp
	getJSON(t, p, "/api/v1/summaries", &sum)
	if sum.Data.System.ConnSRS != 23 {
		t.Fatalf("conn_srs %d", sum.Data.System.ConnSRS)
	}
}
