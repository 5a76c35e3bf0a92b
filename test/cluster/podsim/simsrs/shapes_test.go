package simsrs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestShapesMatchFixtures replays every capture of test/fixtures/srs-api against the
// simulated SRS of the same version and compares the JSON recursively: same keys in the
// same order, same kinds (string, bool, null, object, array, integer vs float). Arrays
// are compared element by element against the capture's first element, and must be empty
// exactly when the capture's is. Non-JSON captures (.txt) must match byte for byte.

// fixturesDir is the repository's captures, relative to this package; SRS_FIXTURES_DIR
// replaces it (other captures in the same layout).
func fixturesDir(t *testing.T) string {
	t.Helper()
	dir := "../../../fixtures/srs-api"
	if env := os.Getenv("SRS_FIXTURES_DIR"); env != "" {
		dir = env
	}
	if st, err := os.Stat(filepath.Join(dir, "README.md")); err != nil || st.IsDir() {
		t.Fatalf("SRS API fixtures not found in %s (README.md missing): %v", dir, err)
	}
	return dir
}

var fixtureVersions = map[string]Version{
	"v4.0-r5": {4, 0, 271},
	"v5.0-r3": {5, 0, 213},
	"v6.0-a1": {6, 0, 155},
}

type capture struct {
	file, url, contentType string
	status                 int
}

func readIndex(t *testing.T, path string) []capture {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []capture
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 4 {
			continue
		}
		var st int
		fmt.Sscan(cols[2], &st)
		out = append(out, capture{file: cols[0], url: cols[1], status: st, contentType: cols[3]})
	}
	return out
}

// scenario sets up the simulated SRS the way the capture's server was at that moment.
func scenario(file string) (conf string, k Knobs) {
	conf, k = captureConf, Knobs{Connections: -1}
	switch {
	case strings.HasPrefix(file, "edge-"):
		return edgeConf, Knobs{Connections: 2, Streams: []string{"live/livestream"}, Kbps: 400}
	case strings.HasPrefix(file, "origin-A-"), strings.HasPrefix(file, "clusters-origin-A"):
		return captureConf, publishing(2)
	case strings.HasPrefix(file, "origin-"), strings.HasPrefix(file, "clusters-origin-"):
		return captureConf, k
	case strings.Contains(file, "while-publishing"), strings.Contains(file, "kick"),
		strings.HasPrefix(file, "stream-by-id"), strings.HasPrefix(file, "vhost-by-id"), strings.HasPrefix(file, "client-by-id"):
		return captureConf, publishing(3)
	}
	return conf, k
}

var byIDPath = regexp.MustCompile(`^/api/v1/(streams|clients|vhosts)/([^/]+)$`)

func TestShapesMatchFixtures(t *testing.T) {
	dir := fixturesDir(t)
	for vdir, v := range fixtureVersions {
		for _, sub := range []string{"", "cluster"} {
			for _, c := range readIndex(t, filepath.Join(dir, vdir, sub, "_index.tsv")) {
				t.Run(vdir+"/"+filepath.Join(sub, c.file), func(t *testing.T) {
					checkCapture(t, filepath.Join(dir, vdir, sub), v, c)
				})
			}
		}
	}
}

func checkCapture(t *testing.T, dir string, v Version, c capture) {
	conf, k := scenario(c.file)
	p, _ := newTestProc(t, v, conf, k)
	u, err := url.Parse(c.url)
	if err != nil {
		t.Fatal(err)
	}
	path := u.Path
	if m := byIDPath.FindStringSubmatch(path); m != nil && m[2] != "nonexistent" {
		path = "/api/v1/" + m[1] + "/" + realID(t, p, m[1])
	}
	method := http.MethodGet
	if c.file == "client-delete-kick.json" {
		method = http.MethodDelete
	}
	req := httptest.NewRequest(method, path+"?"+u.RawQuery, nil)
	rec := httptest.NewRecorder()
	if strings.HasPrefix(u.Port(), "1808") { // the HTTP server ports of the captures
		p.serveHTTPServer(rec, req)
	} else {
		p.serveAPI(rec, req)
	}
	if c.file == "clients-after-kick.json" { // the kick happened before this capture
		req := httptest.NewRequest(http.MethodDelete, "/api/v1/clients/"+realID(t, p, "clients"), nil)
		p.serveAPI(httptest.NewRecorder(), req)
		rec = httptest.NewRecorder()
		p.serveAPI(rec, httptest.NewRequest(http.MethodGet, path, nil))
	}
	if rec.Code != c.status {
		t.Fatalf("%s %s: status %d, capture has %d (body %s)", method, path, rec.Code, c.status, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != c.contentType {
		t.Errorf("content type %q, capture has %q", got, c.contentType)
	}
	want, err := os.ReadFile(filepath.Join(dir, c.file))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(c.file, ".txt") {
		if !bytes.Equal(rec.Body.Bytes(), want) {
			t.Fatalf("body %q, capture has %q", rec.Body, want)
		}
		return
	}
	wantTree, err := parseOrdered(want)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	gotTree, err := parseOrdered(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, rec.Body)
	}
	for _, d := range compareShape("$", wantTree, gotTree) {
		t.Error(d)
	}
	if t.Failed() {
		t.Logf("response: %s", rec.Body)
	}
}

// TestKickAsCaptured: DELETE /api/v1/clients/<player> takes that player out of the list, as
// the captures of SRS 4 and 5 show (clients-while-publishing → clients-after-kick). The 6.0
// capture kicked its HTTP-FLV player, which was listed again right after (same id), so it
// says nothing about the list and is left out here.
func TestKickAsCaptured(t *testing.T) {
	dir := fixturesDir(t)
	for _, vdir := range []string{"v4.0-r5", "v5.0-r3"} {
		count := func(file string) int {
			b, err := os.ReadFile(filepath.Join(dir, vdir, file))
			if err != nil {
				t.Fatal(err)
			}
			var body struct{ Clients []json.RawMessage }
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatal(err)
			}
			return len(body.Clients)
		}
		before, after := count("clients-while-publishing.json"), count("clients-after-kick.json")
		_, k := scenario("clients-while-publishing.json")
		p, _ := newTestProc(t, fixtureVersions[vdir], captureConf, k)
		var cl clientsResp
		getJSON(t, p, "/api/v1/clients/", &cl)
		if len(cl.Clients) != before {
			t.Fatalf("%s: %d clients while publishing, capture has %d", vdir, len(cl.Clients), before)
		}
		kicked := realID(t, p, "clients")
		p.serveAPI(httptest.NewRecorder(), httptest.NewRequest(http.MethodDelete, "/api/v1/clients/"+kicked, nil))
		getJSON(t, p, "/api/v1/clients/", &cl)
		if len(cl.Clients) != after {
			t.Fatalf("%s: %d clients after the kick, capture has %d", vdir, len(cl.Clients), after)
		}
		for _, c := range cl.Clients {
			if c.ID == kicked {
				t.Fatalf("%s: kicked client %s still listed", vdir, kicked)
			}
		}
	}
}

func realID(t *testing.T, p *Proc, kind string) string {
	p.Mu.Lock()
	m := p.modelLocked(p.Started)
	p.Mu.Unlock()
	switch {
	case kind == "vhosts":
		return m.vhostID
	case kind == "streams" && len(m.streams) > 0:
		return m.streams[0].id
	case kind == "clients" && len(m.clients) > 0:
		return m.clients[len(m.clients)-1].id
	}
	t.Fatalf("no %s in the scenario", kind)
	return ""
}

// jnode is a JSON value that keeps object key order and whether a number was written
// as an integer.
type jnode struct {
	kind string // object, array, string, bool, null, int, float
	keys []string
	vals []*jnode
}

func parseOrdered(b []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data")
	}
	return n, nil
}

func parseNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := tok.(type) {
	case json.Delim:
		n := &jnode{kind: "object"}
		if x == '[' {
			n.kind = "array"
		}
		for dec.More() {
			if n.kind == "object" {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			child, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, child)
		}
		_, err := dec.Token() // closing delimiter
		return n, err
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return &jnode{kind: "float"}, nil
		}
		return &jnode{kind: "int"}, nil
	case string:
		return &jnode{kind: "string"}, nil
	case bool:
		return &jnode{kind: "bool"}, nil
	case nil:
		return &jnode{kind: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

func compareShape(at string, want, got *jnode) []string {
	// A null in a capture is a value not known yet (video/audio of an edge stream whose
	// origin is down, origin of an unknown stream): the simulator may have it or not.
	if want.kind == "null" {
		return nil
	}
	if want.kind != got.kind {
		return []string{fmt.Sprintf("%s: %s, capture has %s", at, got.kind, want.kind)}
	}
	var diffs []string
	switch want.kind {
	case "object":
		if strings.Join(want.keys, ",") != strings.Join(got.keys, ",") {
			return []string{fmt.Sprintf("%s: keys %v, capture has %v", at, got.keys, want.keys)}
		}
		for i, k := range want.keys {
			diffs = append(diffs, compareShape(at+"."+k, want.vals[i], got.vals[i])...)
		}
	case "array":
		if (len(want.vals) == 0) != (len(got.vals) == 0) {
			return []string{fmt.Sprintf("%s: %d items, capture has %d", at, len(got.vals), len(want.vals))}
		}
		for i, g := range got.vals {
			diffs = append(diffs, compareShape(fmt.Sprintf("%s[%d]", at, i), want.vals[0], g)...)
		}
	}
	return diffs
}
