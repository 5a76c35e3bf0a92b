package kubelet

import (
	"context"
	"fmt"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"kubectl-srs.test/cluster/podsim/simsrs"
)

// terminate plays kubelet's pod shutdown: preStop hook, then SIGTERM, then wait for the
// process to exit for at most the grace period (times --time-scale), then SIGKILL; last,
// the pod object is deleted with grace period 0, which makes it disappear.
func (k *Kubelet) terminate(sp *simPod, pod *v1.Pod) {
	grace := time.Duration(float64(gracePeriod(pod)) * k.cfg.TimeScale * float64(time.Second))
	deadline := time.Now().Add(grace)

	sp.mu.Lock()
	p, rp := sp.proc, sp.real
	sp.mu.Unlock()
	if rp != nil {
		k.terminateReal(sp, pod, rp, grace, deadline)
	} else if p != nil {
		c := containerByName(pod, sp.srsContainer)
		action, sleep := preStopAction(c)
		k.logf("%s: terminating (grace %s, preStop %s, SRS %s)", sp.key, grace, action, p.Version())
		switch action {
		case "quit":
			p.Signal("QUIT") // init.d/srs grace sends SIGQUIT and returns at once
		case "sleep":
			select {
			case <-time.After(min(sleep, time.Until(deadline))):
			case <-p.Done():
			}
		}
		p.Signal("TERM")
		select {
		case <-p.Done():
		case <-time.After(time.Until(deadline)):
			k.logf("%s: grace period over, SIGKILL", sp.key)
			p.Signal("KILL")
		}
		k.showTerminated(sp, pod, p, grace)
	}
	k.deletePod(sp.ns, sp.name, pod.UID)
}

// showTerminated patches the SRS container's terminated state before the pod object goes, so
// a watcher can tell a pod that drained (exit 0, Completed) from one whose grace period ended
// in a SIGKILL (exit 137, Error, and a message that counts the clients it cut). The same
// count goes to the container log as a podsim line.
func (k *Kubelet) showTerminated(sp *simPod, pod *v1.Pod, p *simsrs.Proc, grace time.Duration) {
	term := &v1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", FinishedAt: metav1.Now()}
	if cut := p.Killed(); cut.Killed {
		term.ExitCode, term.Reason = 137, "Error"
		term.Message = killMessage(cut, grace)
		k.logf("%s: %s", sp.key, term.Message)
	}
	sp.mu.Lock()
	term.StartedAt = sp.containerStart[sp.srsContainer]
	term.ContainerID = containerID(sp, sp.srsContainer, sp.restarts[sp.srsContainer])
	sp.finalTerm = term
	cur, err := k.podLister.Pods(sp.ns).Get(sp.name)
	if err != nil || cur.UID != pod.UID {
		cur = pod
	}
	err = k.patchStatus(context.Background(), sp, cur)
	sp.mu.Unlock()
	if err != nil {
		k.logf("%s: terminated status: %v", sp.key, err)
	}
}

// killMessage says what the SIGKILL at the end of the grace period cut, e.g.
// "SIGKILL after the grace period (120s): 3 clients cut (2 players, 1 publishers)".
func killMessage(cut simsrs.CutClients, grace time.Duration) string {
	return fmt.Sprintf("SIGKILL after the grace period (%s): %d clients cut (%d players, %d publishers)",
		grace.Round(time.Millisecond), cut.Clients(), cut.Players, cut.Publishers)
}

func gracePeriod(pod *v1.Pod) int64 {
	if pod.DeletionGracePeriodSeconds != nil {
		return *pod.DeletionGracePeriodSeconds
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return *pod.Spec.TerminationGracePeriodSeconds
	}
	return 30
}

// preStopAction recognises the hooks that matter for SRS: a command that sends SIGQUIT
// (the seed's `/usr/local/srs/etc/init.d/srs grace`, `kill -QUIT 1`...) and sleeps.
// Other hooks are not run.
func preStopAction(c *v1.Container) (string, time.Duration) {
	if c == nil || c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
		return "none", 0
	}
	h := c.Lifecycle.PreStop
	if h.Sleep != nil {
		return "sleep", time.Duration(h.Sleep.Seconds) * time.Second
	}
	if h.Exec == nil {
		return "none", 0
	}
	cmd := strings.Join(h.Exec.Command, " ")
	fields := strings.Fields(cmd)
	for i, f := range fields {
		switch {
		case f == "grace" && i > 0 && strings.HasSuffix(fields[i-1], "srs"):
			return "quit", 0
		case f == "-QUIT" || f == "-3" || f == "-SIGQUIT" || ((f == "QUIT" || f == "SIGQUIT") && i > 0 && fields[i-1] == "-s"):
			return "quit", 0
		case f == "sleep" && i+1 < len(fields):
			if d, err := time.ParseDuration(strings.Trim(fields[i+1], ";\"'") + "s"); err == nil {
				return "sleep", d
			}
		}
	}
	return "none", 0
}

func (k *Kubelet) deletePod(ns, name string, uid types.UID) {
	zero := int64(0)
	opts := metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}}
	for attempt := 0; attempt < 5; attempt++ {
		err := k.cs.CoreV1().Pods(ns).Delete(context.Background(), name, opts)
		if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return
		}
		k.logf("delete %s/%s: %v", ns, name, err)
		time.Sleep(time.Duration(attempt+1) * 500 * time.Millisecond)
	}
}
