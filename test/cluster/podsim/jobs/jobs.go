// Package jobs runs the main container of Job pods: a real process for shell images
// (ExecRunner), a timed exit code for the others (SleepRunner).
package jobs

import (
	"context"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	"kubectl-srs.test/cluster/podsim/annotations"
)

// JobRunner runs the main container of a Job pod and returns its exit code. Containers
// with a shell image really run (execJobRunner in jobs_exec.go); the others go to
// sleepJobRunner, which only waits and exits with the code the pod asks for.
type Runner interface {
	Run(ctx context.Context, pod *v1.Pod, c *v1.Container) (exitCode int32, err error)
}

// sleepJobRunner: sim.srs.test/job-duration-ms (default 500) then sim.srs.test/job-exit-code (default 0).
type SleepRunner struct{}

func (SleepRunner) Run(ctx context.Context, pod *v1.Pod, _ *v1.Container) (int32, error) {
	select {
	case <-time.After(annotations.Millis(pod.Annotations, annotations.AnnJobDuration, 500*time.Millisecond)):
	case <-ctx.Done():
		return 137, ctx.Err()
	}
	code, err := strconv.Atoi(strings.TrimSpace(pod.Annotations[annotations.AnnJobExitCode]))
	if err != nil {
		code = 0
	}
	return int32(code), nil
}
