package main

import (
	"strconv"
	"strings"
	"time"
)

// Pod annotations a test sets to steer the simulated SRS and kubelet. They are read
// again on every pod update the informer delivers, so changes apply within about a second,
// also while the pod is Terminating.
const (
	annConnections   = "sim.srs.test/connections"    // total clients, publishers included
	annStreams       = "sim.srs.test/streams"        // "live/a,live/b": published streams
	annKbps          = "sim.srs.test/kbps"           // ingest bitrate per stream
	annFault         = "sim.srs.test/fault"          // slow|500|garbage|truncated|unauthorized|refuse
	annSlowMs        = "sim.srs.test/slow-ms"        // delay for fault=slow (default 5000)
	annReportVersion = "sim.srs.test/report-version" // version the API reports instead of the image's
	annStartDelayMs  = "sim.srs.test/start-delay-ms" // kubelet waits this long before starting containers
	annJobDuration   = "sim.srs.test/job-duration-ms"
	annJobExitCode   = "sim.srs.test/job-exit-code"
)

// knobs is the test-controlled state of one simulated SRS.
type knobs struct {
	Connections   int // -1: not set
	Streams       []string
	Kbps          int64
	Fault         string
	Slow          time.Duration
	ReportVersion string
}

func knobsFromAnnotations(a map[string]string) knobs {
	k := knobs{Connections: -1, Slow: 5 * time.Second}
	if n, err := strconv.Atoi(strings.TrimSpace(a[annConnections])); err == nil && n >= 0 {
		k.Connections = n
	}
	for _, s := range strings.Split(a[annStreams], ",") {
		if s = strings.Trim(strings.TrimSpace(s), "/"); s != "" {
			k.Streams = append(k.Streams, s)
		}
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(a[annKbps]), 10, 64); err == nil && n >= 0 {
		k.Kbps = n
	}
	k.Fault = strings.TrimSpace(a[annFault])
	if n, err := strconv.Atoi(strings.TrimSpace(a[annSlowMs])); err == nil && n >= 0 {
		k.Slow = time.Duration(n) * time.Millisecond
	}
	k.ReportVersion = strings.TrimSpace(a[annReportVersion])
	return k
}

func (k knobs) equal(o knobs) bool {
	return k.Connections == o.Connections && strings.Join(k.Streams, ",") == strings.Join(o.Streams, ",") &&
		k.Kbps == o.Kbps && k.Fault == o.Fault && k.Slow == o.Slow && k.ReportVersion == o.ReportVersion
}

func annotationMillis(a map[string]string, key string, def time.Duration) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(a[key])); err == nil && n >= 0 {
		return time.Duration(n) * time.Millisecond
	}
	return def
}
