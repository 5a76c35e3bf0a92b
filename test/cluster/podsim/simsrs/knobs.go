package simsrs

import (
	"strconv"
	"strings"
	"time"

	"kubectl-srs.test/cluster/podsim/annotations"
)

// knobs is the test-controlled state of one simulated SRS.
type Knobs struct {
	Connections   int // -1: not set
	Streams       []string
	Kbps          int64
	Fault         string
	Slow          time.Duration
	ReportVersion string
}

func KnobsFromAnnotations(a map[string]string) Knobs {
	k := Knobs{Connections: -1, Slow: 5 * time.Second}
	if n, err := strconv.Atoi(strings.TrimSpace(a[annotations.AnnConnections])); err == nil && n >= 0 {
		k.Connections = n
	}
	for _, s := range strings.Split(a[annotations.AnnStreams], ",") {
		if s = strings.Trim(strings.TrimSpace(s), "/"); s != "" {
			k.Streams = append(k.Streams, s)
		}
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(a[annotations.AnnKbps]), 10, 64); err == nil && n >= 0 {
		k.Kbps = n
	}
	k.Fault = strings.TrimSpace(a[annotations.AnnFault])
	if n, err := strconv.Atoi(strings.TrimSpace(a[annotations.AnnSlowMs])); err == nil && n >= 0 {
		k.Slow = time.Duration(n) * time.Millisecond
	}
	k.ReportVersion = strings.TrimSpace(a[annotations.AnnReportVersion])
	return k
}

func (k Knobs) equal(o Knobs) bool {
	return k.Connections == o.Connections && strings.Join(k.Streams, ",") == strings.Join(o.Streams, ",") &&
		k.Kbps == o.Kbps && k.Fault == o.Fault && k.Slow == o.Slow && k.ReportVersion == o.ReportVersion
}
