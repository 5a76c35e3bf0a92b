package simsrs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The HTTP API of one simulated SRS. Routing mirrors SRS's mux: exact paths, subtree
// paths ending in "/", a 302 "Redirect to <path>/" for a subtree path without its slash,
// and no 404: an unknown path gets the doc of the nearest registered prefix, with 200.

var codenames = map[int]string{3: "OuXuli", 4: "Leo", 5: "Bee", 6: "Hang"}

func (p *Proc) envelope(v Version) envelope {
	e := envelope{Code: codeSuccess, Server: p.ServerID}
	if !v.v4Shape() {
		e.Service, e.PID = p.Service, strconv.Itoa(p.PID)
	}
	return e
}

func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func redirectText(w http.ResponseWriter, status int, to string) {
	w.Header().Set("Location", to)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "Redirect to %s", to)
}

// serveAPI answers a request on the pod's http_api port.
func (p *Proc) serveAPI(w http.ResponseWriter, r *http.Request) {
	p.Mu.Lock()
	v := p.versionLocked()
	k := p.knobs
	settings := p.settings
	p.Mu.Unlock()

	w.Header().Set("Server", fmt.Sprintf("SRS/%s(%s)", v, codenames[v.Major]))
	if settings.Crossdomain {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}
	if k.Fault != "" && applyFault(w, r, k, func() []byte { return p.responseBody(r, v) }) {
		return
	}
	if !p.authorized(w, r) {
		return
	}
	p.route(w, r, v)
}

// responseBody renders what route would write, for faults that mangle it.
func (p *Proc) responseBody(r *http.Request, v Version) []byte {
	rec := &bodyRecorder{header: http.Header{}}
	p.route(rec, r, v)
	return rec.body
}

type bodyRecorder struct {
	header http.Header
	body   []byte
	status int
}

func (b *bodyRecorder) Header() http.Header { return b.header }
func (b *bodyRecorder) Write(d []byte) (int, error) {
	b.body = append(b.body, d...)
	return len(d), nil
}
func (b *bodyRecorder) WriteHeader(s int) { b.status = s }

// applyFault reports whether it answered the request.
func applyFault(w http.ResponseWriter, r *http.Request, k Knobs, body func() []byte) bool {
	switch k.Fault {
	case "slow":
		select {
		case <-time.After(k.Slow):
		case <-r.Context().Done():
			return true
		}
		return false
	case "500":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("Internal Server Error"))
		return true
	case "garbage":
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("<html>\x00\x01 not json {{{"))
		return true
	case "truncated":
		b := body()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b[:len(b)/2]) // the server closes the connection short of Content-Length
		return true
	case "unauthorized":
		w.Header().Set("WWW-Authenticate", `Basic realm="SRS"`)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte("Unauthorized"))
		return true
	}
	return false
}

func (p *Proc) route(w http.ResponseWriter, r *http.Request, v Version) {
	path := r.URL.Path
	switch path {
	case "/api", "/api/v1", "/api/v1/vhosts", "/api/v1/streams", "/api/v1/clients":
		redirectText(w, http.StatusFound, path+"/")
		return
	case "/api/v1/versions":
		writeJSON(w, p.versions(v))
		return
	case "/api/v1/summaries":
		writeJSON(w, p.summaries(v))
		return
	case "/api/v1/rusages":
		out := rusagesResp{envelope: p.envelope(v)}
		out.Data.OK, out.Data.SampleTime = true, time.Now().UnixMilli()
		out.Data.RuMaxrss = 25000
		writeJSON(w, out)
		return
	case "/api/v1/self_proc_stats":
		out := selfProcStatsResp{envelope: p.envelope(v)}
		d := &out.Data
		d.OK, d.SampleTime, d.PID, d.Comm, d.State, d.PPID = true, time.Now().UnixMilli(), p.PID, "srs", "S", 1
		d.NumThreads, d.Starttime, d.RSS = 1, p.Started.Unix(), 6000
		writeJSON(w, out)
		return
	case "/api/v1/system_proc_stats":
		out := systemProcStatsResp{envelope: p.envelope(v)}
		out.Data.OK, out.Data.SampleTime, out.Data.Percent = true, time.Now().UnixMilli(), 0.01
		writeJSON(w, out)
		return
	case "/api/v1/meminfos":
		out := meminfosResp{envelope: p.envelope(v)}
		d := &out.Data
		d.OK, d.SampleTime, d.PercentRAM = true, time.Now().UnixMilli(), 0.1
		d.MemTotal, d.MemFree, d.MemActive, d.RealInUse, d.NotInUse = 8388608, 6291456, 1048576, 2097152, 6291456
		writeJSON(w, out)
		return
	case "/api/v1/authors":
		out := authorsResp{envelope: p.envelope(v)}
		out.Data.License = "MIT"
		out.Data.Contributors = "https://github.com/ossrs/srs/blob/develop/trunk/AUTHORS.md#contributors"
		writeJSON(w, out)
		return
	case "/api/v1/features":
		out := featuresResp{envelope: p.envelope(v)}
		d := &out.Data
		d.Options, d.Options2, d.Build, d.Build2 = "(simulated)", "(simulated)", p.Started.UTC().Format("2006-01-02 15:04:05"), strconv.FormatInt(p.Started.Unix(), 10)
		f := &d.Features
		f.SSL, f.HLS, f.Callback, f.API, f.HTTPD, f.DVR, f.Transcode, f.Ingest, f.Stat, f.Caster = true, true, true, true, true, true, true, true, true, true
		f.ComplexSend, f.TCPNodelay, f.MR = true, true, true
		writeJSON(w, out)
		return
	case "/api/v1/clusters":
		writeJSON(w, p.clusters(r))
		return
	case "/api/v1/raw":
		p.raw(w, r, v)
		return
	case "/api/v1/tests/requests":
		out := testsRequestsResp{envelope: p.envelope(v)}
		out.Data.URI = "http://" + r.Host + r.URL.Path
		out.Data.Path, out.Data.Method = r.URL.Path, r.Method
		out.Data.Headers.Sigature, out.Data.Headers.Version = "SRS", v.String()
		out.Data.Headers.Link, out.Data.Headers.Time = "https://github.com/ossrs/srs", time.Now().UnixMilli()
		writeJSON(w, out)
		return
	case "/api/v1/tests/errors":
		writeJSON(w, codeOnly{codeTestsError})
		return
	case "/api/v1/tests/redirects":
		redirectText(w, http.StatusMovedPermanently, "/api/v1/tests/errors")
		return
	case "/metrics":
		if !v.v4Shape() { // not registered on 4.0: falls through to the root doc
			writeJSON(w, codeOnly{codeExporterDisabled})
			return
		}
	}
	switch {
	case strings.HasPrefix(path, "/api/v1/vhosts/"):
		p.vhosts(w, v, strings.TrimPrefix(path, "/api/v1/vhosts/"))
	case strings.HasPrefix(path, "/api/v1/streams/"):
		p.streams(w, r, v, strings.TrimPrefix(path, "/api/v1/streams/"))
	case strings.HasPrefix(path, "/api/v1/clients/"):
		p.clients(w, r, v, strings.TrimPrefix(path, "/api/v1/clients/"))
	case strings.HasPrefix(path, "/api/v1/"):
		writeJSON(w, p.apiV1Index(v))
	case strings.HasPrefix(path, "/api/"):
		out := apiDoc{envelope: p.envelope(v)}
		out.URLs.V1 = "the api version 1.0"
		writeJSON(w, out)
	default:
		out := rootDoc{envelope: p.envelope(v)}
		out.URLs.API = "the api root"
		out.URLs.RTC.V1.Play, out.URLs.RTC.V1.Publish, out.URLs.RTC.V1.Nack = "Play stream", "Publish stream", "Simulate the NACK"
		writeJSON(w, out)
	}
}

func (p *Proc) versions(v Version) versionsResp {
	out := versionsResp{envelope: p.envelope(v)}
	out.Data.Major, out.Data.Minor, out.Data.Revision, out.Data.Version = v.Major, v.Minor, v.Revision, v.String()
	return out
}

func (p *Proc) apiV1Index(v Version) apiV1Index {
	return apiV1Index{
		envelope: p.envelope(v),
		URLs: apiV1URLs{
			Versions: "the version of SRS", Summaries: "the summary(pid, argv, pwd, cpu, mem) of SRS",
			Rusages: "the rusage of SRS", SelfProcStats: "the self process stats",
			SystemProcStats: "the system process stats", Meminfos: "the meminfo of system",
			Authors: "the license, copyright, authors and contributors", Features: "the supported features of SRS",
			Requests: "the request itself, for http debug", Vhosts: "manage all vhosts or specified vhost",
			Streams: "manage all streams or specified stream",
			Clients: "manage all clients or specified client, default query top 10 clients",
			Raw:     "raw api for srs, support CUID srs for instance the config", Clusters: "origin cluster server API",
			Perf: "System performance stat", Tcmalloc: "tcmalloc api with params ?page=summary|api",
		},
		Tests: apiV1Tests{
			Requests: "show the request info", Errors: "always return an error 100",
			Redirects: "always redirect to /api/v1/test/errors",
			Vhost:     "http vhost for http://error.srs.com:1985/api/v1/tests/errors",
		},
	}
}

func (p *Proc) summaries(v Version) summariesResp {
	p.Mu.Lock()
	m := p.modelLocked(time.Now())
	p.Mu.Unlock()
	now := time.Now()
	out := summariesResp{envelope: p.envelope(v)}
	d := &out.Data
	d.OK, d.NowMs = true, now.UnixMilli()
	d.Self = summarySelf{
		Version: v.String(), PID: p.PID, PPID: 1, Argv: "./objs/srs -c conf/srs.conf", Cwd: "/usr/local/srs",
		MemKbyte: 25000, MemPercent: 0.01, CPUPercent: 0.01, SRSUptime: int64(now.Sub(p.Started).Seconds()),
	}
	var recv, send int64
	for _, c := range m.clients {
		if c.publish {
			recv += bytesFor(m.kbps, c.aliveSec)
		} else {
			send += bytesFor(m.kbps, c.aliveSec)
		}
	}
	d.System = summarySystem{
		CPUPercent: 0.17, MemRAMKbyte: 8388608, MemRAMPercent: 0.25, CPUs: 2, CPUsOnline: 2,
		Uptime: jfloat(now.Sub(processStart).Seconds()), IldeTime: jfloat(now.Sub(processStart).Seconds() * 1.6),
		Load1m: 0.5, Load5m: 0.4, Load15m: 0.3, NetSampleTime: now.UnixMilli(), SRSSampleTime: now.UnixMilli(),
		SRSRecvBytes: recv, SRSSendBytes: send, ConnSys: len(m.clients) + 5, ConnSRS: len(m.clients),
	}
	return out
}

var processStart = time.Now()

func listWindow(r *http.Request, total int) (int, int) {
	start, _ := strconv.Atoi(r.URL.Query().Get("start"))
	count, _ := strconv.Atoi(r.URL.Query().Get("count"))
	count = max(count, 10) // SRS raises count to at least 10
	start = min(max(start, 0), total)
	return start, min(start+count, total)
}

func (p *Proc) vhostJSON(m srsModel, s Settings) vhostJSON {
	vh := vhostJSON{ID: m.vhostID, Name: "__defaultVhost__", Enabled: true, Clients: len(m.clients), Streams: len(m.streams)}
	for _, c := range m.clients {
		if c.publish {
			vh.RecvBytes += bytesFor(m.kbps, c.aliveSec)
		} else {
			vh.SendBytes += bytesFor(m.kbps, c.aliveSec)
		}
	}
	vh.HLS.Enabled, vh.HLS.Fragment = s.HLSEnabled, jfloat(s.HLSFragment)
	if s.HLSFragment == 0 {
		vh.HLS.Fragment = 10
	}
	return vh
}

func (p *Proc) vhosts(w http.ResponseWriter, v Version, id string) {
	p.Mu.Lock()
	m, s := p.modelLocked(time.Now()), p.settings
	p.Mu.Unlock()
	// The vhost shows up in the statistics once a client used it; idle SRS lists none.
	if id == "" {
		out := vhostsResp{envelope: p.envelope(v), Vhosts: []vhostJSON{}}
		if len(m.clients) > 0 {
			out.Vhosts = append(out.Vhosts, p.vhostJSON(m, s))
		}
		writeJSON(w, out)
		return
	}
	if len(m.clients) == 0 || id != m.vhostID {
		writeJSON(w, codeOnly{2047}) // ERROR_RTMP_VHOST_NOT_FOUND
		return
	}
	writeJSON(w, vhostResp{envelope: p.envelope(v), Vhost: p.vhostJSON(m, s)})
}

func (p *Proc) streamJSON(m srsModel, st simStream, v Version, s Settings) streamJSON {
	out := streamJSON{ID: st.id, Name: st.name, Vhost: m.vhostID, App: st.app, Clients: st.clients}
	if !v.v4Shape() {
		tc := fmt.Sprintf("rtmp://%s:%d/%s", p.PodIP, s.RTMPPort, st.app)
		u := "/" + st.app + "/" + st.name
		out.TcURL, out.URL = &tc, &u
	}
	out.LiveMs = time.Now().UnixMilli()
	out.Frames = int64(m.alive * 25)
	out.RecvBytes = bytesFor(m.kbps, m.alive)
	out.SendBytes = bytesFor(m.kbps, m.alive) * int64(st.players)
	out.Kbps = kbpsJSON{Recv30s: m.kbps, Send30s: m.kbps * int64(st.players)}
	out.Publish.Active, out.Publish.CID = st.active, st.publisherID
	if st.active {
		out.Video = &videoJSON{Codec: "H264", Profile: "High", Level: "3.1", Width: 1280, Height: 720}
		out.Audio = &audioJSON{Codec: "AAC", SampleRate: 44100, Channel: 2, Profile: "LC"}
	}
	return out
}

func (p *Proc) streams(w http.ResponseWriter, r *http.Request, v Version, id string) {
	p.Mu.Lock()
	m, s := p.modelLocked(time.Now()), p.settings
	p.Mu.Unlock()
	if id == "" {
		out := streamsResp{envelope: p.envelope(v), Streams: []streamJSON{}}
		from, to := listWindow(r, len(m.streams))
		for _, st := range m.streams[from:to] {
			out.Streams = append(out.Streams, p.streamJSON(m, st, v, s))
		}
		writeJSON(w, out)
		return
	}
	for _, st := range m.streams {
		if st.id == id {
			writeJSON(w, streamResp{envelope: p.envelope(v), Stream: p.streamJSON(m, st, v, s)})
			return
		}
	}
	writeJSON(w, codeOnly{codeStreamNotFound})
}

func (p *Proc) clientJSON(m srsModel, c simClient, v Version, s Settings) clientJSON {
	st := m.streams[c.stream]
	out := clientJSON{
		ID: c.id, Vhost: m.vhostID, Stream: st.id, IP: "10.244.0.1",
		TcURL: fmt.Sprintf("rtmp://%s:%d/%s", p.PodIP, s.RTMPPort, st.app), URL: "/" + st.app + "/" + st.name,
		Alive: jfloat(c.aliveSec),
	}
	name := st.name
	switch {
	case c.publish:
		out.Type, out.Publish = "fmle-publish", true
		out.Kbps.Recv30s = m.kbps
	case c.flv && !v.v4Shape(): // 4.0 reports HTTP-FLV players as rtmp-play
		out.Type = "flv-play"
		out.TcURL = fmt.Sprintf("http://%s:%d/%s", p.PodIP, s.RTMPPort, st.app)
		name += ".flv"
		out.Kbps.Send30s = m.kbps
	default:
		out.Type = "rtmp-play"
		out.Kbps.Send30s = m.kbps
	}
	if !v.v4Shape() {
		sent, recv := bytesFor(out.Kbps.Send30s, c.aliveSec), bytesFor(out.Kbps.Recv30s, c.aliveSec)
		out.Name, out.SendBytes, out.RecvBytes = &name, &sent, &recv
	}
	return out
}

func (p *Proc) clients(w http.ResponseWriter, r *http.Request, v Version, id string) {
	p.Mu.Lock()
	m, s := p.modelLocked(time.Now()), p.settings
	p.Mu.Unlock()
	if id == "" {
		out := clientsResp{envelope: p.envelope(v), Clients: []clientJSON{}}
		from, to := listWindow(r, len(m.clients))
		for _, c := range m.clients[from:to] {
			out.Clients = append(out.Clients, p.clientJSON(m, c, v, s))
		}
		writeJSON(w, out)
		return
	}
	for _, c := range m.clients {
		if c.id != id {
			continue
		}
		if r.Method == http.MethodDelete { // kick: the client leaves until the knobs change
			p.Mu.Lock()
			p.kicked[id] = true
			p.Mu.Unlock()
			writeJSON(w, p.envelope(v))
			return
		}
		writeJSON(w, clientResp{envelope: p.envelope(v), Client: p.clientJSON(m, c, v, s)})
		return
	}
	writeJSON(w, codeOnly{codeClientNotFound})
}

// clusters answers origin-cluster discovery: the origin is this pod when it publishes the
// asked stream, null otherwise.
func (p *Proc) clusters(r *http.Request) clustersResp {
	q := r.URL.Query()
	var out clustersResp
	out.Data.Query.IP, out.Data.Query.Vhost = q.Get("ip"), q.Get("vhost")
	out.Data.Query.App, out.Data.Query.Stream = q.Get("app"), q.Get("stream")
	p.Mu.Lock()
	m, s := p.modelLocked(time.Now()), p.settings
	p.Mu.Unlock()
	for _, st := range m.streams {
		if st.app != q.Get("app") || st.name != q.Get("stream") || st.publisherID == "" || s.ClusterMode == "remote" {
			continue
		}
		api := q.Get("coworker")
		if api == "" {
			api = fmt.Sprintf("%s:%d", p.PodIP, s.APIPort)
		}
		out.Data.Origin = &clusterOrigin{IP: p.PodIP, Port: s.RTMPPort, Vhost: "__defaultVhost__", API: api, Routers: []string{api}}
	}
	return out
}

func (p *Proc) raw(w http.ResponseWriter, r *http.Request, v Version) {
	p.Mu.Lock()
	s, last := p.settings, p.lastReload
	p.Mu.Unlock()
	if !s.RawAPI {
		writeJSON(w, codeOnly{codeRawAPIDisabled})
		return
	}
	switch r.URL.Query().Get("rpc") {
	case "raw":
		var out rawHTTPAPI
		out.HTTPAPI.Enabled, out.HTTPAPI.Listen, out.HTTPAPI.Crossdomain = s.APIEnabled, s.APIListen, s.Crossdomain
		out.HTTPAPI.RawAPI.Enabled, out.HTTPAPI.RawAPI.AllowReload = s.RawAPI, s.AllowReload
		writeJSON(w, out)
	case "reload":
		if !s.AllowReload {
			writeJSON(w, codeOnly{codeRawAPIDisabled})
			return
		}
		go p.reload("raw api")
		writeJSON(w, codeOnly{codeSuccess})
	case "reload-fetch":
		if !v.hasReloadFetch() {
			writeJSON(w, codeOnly{codeRawAPIUnsupport})
			return
		}
		var out reloadFetchResp
		out.Data.Err, out.Data.Msg, out.Data.State, out.Data.RID = last.Err, last.Msg, last.State, last.RID
		if last.RID == "" {
			out.Data.Msg, out.Data.RID = "Success", p.Service[:7]
		}
		writeJSON(w, out)
	default:
		writeJSON(w, codeOnly{codeRawAPIUnsupport})
	}
}

// serveHTTPServer answers on the http_server port: only /api/v1/versions (same body as on
// the API port), 404 "Not Found" for anything else since no files are simulated.
func (p *Proc) serveHTTPServer(w http.ResponseWriter, r *http.Request) {
	v := p.Version()
	w.Header().Set("Server", fmt.Sprintf("SRS/%s(%s)", v, codenames[v.Major]))
	if !p.authorized(w, r) {
		return
	}
	if r.URL.Path == "/api/v1/versions" {
		writeJSON(w, p.versions(v))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte("Not Found"))
}
