package kubelet

import (
	"context"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"kubectl-srs.test/cluster/podsim/jobs"
)

// runJob takes a Job pod from Running to Succeeded (exit 0) or Failed. A failed container
// is not restarted even with restartPolicy OnFailure: the Job controller then counts a
// failed pod, which is enough for the tests in sight.
func (k *Kubelet) runJob(sp *simPod, pod *v1.Pod) {
	var c *v1.Container
	if len(pod.Spec.Containers) > 0 {
		c = &pod.Spec.Containers[0]
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // a pod deleted while its job runs: the process group is killed
		for ctx.Err() == nil {
			sp.mu.Lock()
			terminating := sp.terminating
			sp.mu.Unlock()
			if terminating {
				cancel()
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	runner := jobs.ExecRunner{StateDir: k.cfg.StateDir, Fallback: k.jobs, Logf: k.logf, Dns: k.cfg.DNS}
	if c != nil {
		console, err := k.openContainerLog(sp, c.Name, 0)
		if err != nil {
			k.logf("%s: container log: %v", sp.key, err)
		} else {
			runner.Console = console
		}
	}
	code, err := runner.Run(ctx, pod, c)
	if runner.Console != nil {
		runner.Console.Close()
	}
	cancel()
	if err != nil {
		k.logf("%s: job runner: %v", sp.key, err)
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.terminating {
		return
	}
	sp.jobExitCode, sp.jobFinished = code, metav1.Now()
	sp.jobPhase = v1.PodSucceeded
	if code != 0 {
		sp.jobPhase = v1.PodFailed
	}
	cur, err := k.podLister.Pods(sp.ns).Get(sp.name)
	if err != nil {
		return
	}
	for attempt := 0; attempt < 5; attempt++ {
		if err = k.patchStatus(context.Background(), sp, cur); err == nil {
			return
		}
		time.Sleep(time.Duration(attempt+1) * 300 * time.Millisecond)
	}
	k.logf("%s: job status: %v", sp.key, err)
}
