package simsrs

import (
	"fmt"
	"strconv"
	"strings"
)

// srsVersion is the version a simulated SRS reports, and the behaviour that goes with it.
type Version struct {
	Major, Minor, Revision int
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Revision) }

// v4Shape: SRS 3 and 4 answer with the v4.0 JSON shapes (no service/pid envelope,
// no stream tcUrl/url, no client name/send_bytes/recv_bytes). We have captures of 4.0 only,
// and 3.0 predates the fields 5.0 added, so 3.x reuses the 4.0 shape.
func (v Version) v4Shape() bool { return v.Major <= 4 }

// hasReloadFetch: rpc=reload-fetch exists from 5.0 on; 4.0 answers 1060.
func (v Version) hasReloadFetch() bool { return v.Major >= 5 }

// gracefulQuitWorks: 3.x and 4.x drain connections on SIGQUIT; 5.x never does (its server
// adapter's stop() is empty: SRS issue 3805), 6.0 only from 6.0.132 on (SRS PR 4102).
func (v Version) gracefulQuitWorks() bool {
	switch {
	case v.Major <= 4:
		return true
	case v.Major == 5:
		return false
	case v.Major == 6:
		return v.Revision >= 132
	default:
		return true
	}
}

// answersConnectionClose: SRS 5 and 6 put `Connection: Close` on every HTTP answer (API and
// http_server: SrsHttpxConn::on_http_message) yet go on reading the connection while the
// requests are keep-alive; SRS 4 (and 3) answer without it.
func (v Version) answersConnectionClose() bool { return v.Major >= 5 }

// exitsOnBadReload: 4.0 (and, we assume, 3.0) quits when a reload finds an invalid config;
// 5.0 and 6.0 keep running with the old one and report state 10 / err 1023.
func (v Version) exitsOnBadReload() bool { return v.Major <= 4 }

// Versions for floating tags. 4/5/6 are the `srs -v` of the newest release tags captured in
// the fixtures; 3.0.168 is the last 3.0 release (v3.0-r8), chosen for ossrs/srs:3.
var floatingTags = map[string]Version{
	"3":       {3, 0, 168},
	"4":       {4, 0, 271},
	"v4.0-r5": {4, 0, 271},
	"5":       {5, 0, 213},
	"v5.0-r3": {5, 0, 213},
	"6":       {6, 0, 155},
	"v6.0-a1": {6, 0, 155},
	"latest":  {6, 0, 155},
	"":        {6, 0, 155},
}

// versionFromImage maps a container image to the SRS version it runs. ok is false for
// images that are not SRS (nginx, busybox...), which run no simulated SRS at all.
func VersionFromImage(image string) (v Version, ok bool) {
	ref := image
	if i := strings.Index(ref, "@"); i >= 0 { // digest pins: use what is before it
		ref = ref[:i]
	}
	repo, tag := ref, ""
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		repo, tag = ref[:i], ref[i+1:]
	}
	name := repo[strings.LastIndex(repo, "/")+1:]
	if name != "srs" {
		return Version{}, false
	}
	if v, found := floatingTags[tag]; found {
		return v, true
	}
	if v, found := ParseVersion(tag); found {
		return v, true
	}
	// Other SRS tags (v4.0-r3, 5.0-b1, dev...): the default of the major if one is visible.
	if t := strings.TrimPrefix(tag, "v"); len(t) > 0 && t[0] >= '0' && t[0] <= '9' {
		if v, found := floatingTags[t[:1]]; found {
			return v, true
		}
	}
	return floatingTags["latest"], true
}

// parseVersion accepts "4.0.6", "v4.0.6" and "4.0.6-suffix".
func ParseVersion(s string) (Version, bool) {
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexAny(s, "-+_"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Version{}, false
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 {
			return Version{}, false
		}
		n[i] = x
	}
	return Version{n[0], n[1], n[2]}, true
}
