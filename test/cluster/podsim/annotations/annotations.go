// Package annotations holds the sim.srs.test/ pod annotations a test sets to steer the
// simulation (the simulated SRS, container start, Job pods), and how a duration is read from one.
package annotations

import (
	"strconv"
	"strings"
	"time"
)

// Pod annotations a test sets to steer the simulated SRS and kubelet. They are read
// again on every pod update the informer delivers, so changes apply within about a second,
// also while the pod is Terminating.
const (
	AnnConnections   = "sim.srs.test/connections"    // total clients, publishers included
	AnnStreams       = "sim.srs.test/streams"        // "live/a,live/b": published streams
	AnnKbps          = "sim.srs.test/kbps"           // ingest bitrate per stream
	AnnFault         = "sim.srs.test/fault"          // slow|500|garbage|truncated|unauthorized|refuse
	AnnSlowMs        = "sim.srs.test/slow-ms"        // delay for fault=slow (default 5000)
	AnnReportVersion = "sim.srs.test/report-version" // version the API reports instead of the image's
	AnnStartDelayMs  = "sim.srs.test/start-delay-ms" // kubelet waits this long before starting containers
	AnnJobDuration   = "sim.srs.test/job-duration-ms"
	AnnJobExitCode   = "sim.srs.test/job-exit-code"
)

func Millis(a map[string]string, key string, def time.Duration) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(a[key])); err == nil && n >= 0 {
		return time.Duration(n) * time.Millisecond
	}
	return def
}
