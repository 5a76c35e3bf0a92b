package simsrs

import (
	"sync"
	"testing"
	"time"
)

var shortDelaysOnce sync.Once

// ShortDelays shrinks the SRS timings for the whole test binary, for the tests of this and
// other packages that run simulated SRS. They are never restored: goroutines of earlier
// tests may still read them.
func ShortDelays(t *testing.T) {
	shortDelaysOnce.Do(func() {
		signalNoticeDelay, fastQuitDelay, drainPollInterval, inotifyDelay = 10*time.Millisecond, 20*time.Millisecond, 10*time.Millisecond, 30*time.Millisecond
	})
}
