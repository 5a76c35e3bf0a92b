package simsrs

import (
	"strconv"
	"strings"
	"time"
)

// The streams and clients a simulated SRS reports, derived from the pod's annotations:
//   - streams: the listed ones (default live/livestream when there are connections);
//   - connections N counts every client, publishers included (at least one per stream);
//   - on an origin (cluster mode local) client i<len(streams) publishes stream i, the
//     rest play, split round-robin; on an edge (mode remote) all clients play and each
//     stream shows publish.active with the first player's id, as the captures do;
//   - ids are derived from the process's service id, so they are stable while it runs.

type simStream struct {
	id, app, name string
	publisherID   string // "" when nobody publishes
	active        bool
	clients       int // players + publisher, as SRS counts them
	players       int
}

type simClient struct {
	id       string
	stream   int
	publish  bool
	flv      bool
	aliveSec float64
}

type srsModel struct {
	vhostID string
	streams []simStream
	clients []simClient
	kbps    int64
	alive   float64
}

func (p *Proc) modelLocked(now time.Time) srsModel {
	m := srsModel{vhostID: "vid-" + idFromHash(7, p.Service, "vhost"), kbps: p.knobs.Kbps}
	if p.dropped {
		return m
	}
	n := p.knobs.Connections
	names := p.knobs.Streams
	if n < 0 {
		n = len(names)
	}
	if n > 0 && len(names) == 0 {
		names = []string{"live/livestream"}
	}
	edge := p.settings.ClusterMode == "remote"
	if !edge && n < len(names) {
		n = len(names)
	}
	m.alive = now.Sub(p.knobsSince).Seconds()
	for _, s := range names {
		app, name := "live", s
		if i := strings.LastIndex(s, "/"); i >= 0 {
			app, name = s[:i], s[i+1:]
		}
		m.streams = append(m.streams, simStream{id: "vid-" + idFromHash(7, p.Service, "stream", s), app: app, name: name})
	}
	for i := 0; i < n; i++ {
		c := simClient{id: idFromHash(8, p.Service, "client", strconv.Itoa(i)), aliveSec: m.alive}
		if !edge && i < len(m.streams) {
			c.stream, c.publish = i, true
		} else if len(m.streams) > 0 {
			c.stream = i % len(m.streams)
			c.flv = i%2 == 1
		}
		if p.kicked[c.id] {
			continue
		}
		m.clients = append(m.clients, c)
	}
	for _, c := range m.clients {
		st := &m.streams[c.stream]
		st.clients++
		if c.publish {
			st.publisherID, st.active = c.id, true
		} else {
			st.players++
			if edge && st.publisherID == "" {
				st.publisherID, st.active = c.id, true
			}
		}
	}
	// Streams without any client are gone, like SRS drops them after unpublish.
	kept := m.streams[:0]
	remap := map[int]int{}
	for i, st := range m.streams {
		if st.clients > 0 {
			remap[i] = len(kept)
			kept = append(kept, st)
		}
	}
	m.streams = kept
	for i := range m.clients {
		m.clients[i].stream = remap[m.clients[i].stream]
	}
	return m
}

func bytesFor(kbps int64, sec float64) int64 { return int64(float64(kbps) * 1000 / 8 * sec) }
