package kubelet

import (
	"syscall"

	"kubectl-srs.test/cluster/podsim/control"
	"kubectl-srs.test/cluster/podsim/simsrs"
)

// Kubelet is what the control endpoint reads (control.Pods).
var _ control.Pods = (*Kubelet)(nil)

// SimulatedSRS returns the simulated SRS of every pod that runs one.
func (k *Kubelet) SimulatedSRS() []*simsrs.Proc {
	k.mu.Lock()
	sps := make([]*simPod, 0, len(k.pods))
	for _, sp := range k.pods {
		sps = append(sps, sp)
	}
	k.mu.Unlock()
	var out []*simsrs.Proc
	for _, sp := range sps {
		sp.mu.Lock()
		if sp.proc != nil {
			out = append(out, sp.proc)
		}
		sp.mu.Unlock()
	}
	return out
}

// Pod returns what runs in the pod now: its simulated SRS, its real SRS, or neither.
func (k *Kubelet) Pod(ns, name string) (*simsrs.Proc, *control.RealPod) {
	sp := k.lookup(ns + "/" + name)
	if sp == nil {
		return nil, nil
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.real == nil {
		return sp.proc, nil
	}
	return sp.proc, &control.RealPod{
		RealSnapshot: control.RealSnapshot{Namespace: sp.ns, Name: sp.name, PodIP: sp.real.PodIP, Real: true, Build: sp.realBuild,
			PID: sp.real.Pid, Ready: sp.real.Ready, Probe: sp.real.Probe, HostInterface: sp.real.HostIf, Log: sp.real.LogPath},
		// the process that runs when the signal is sent, which may be a later one
		Signal: func(sig syscall.Signal) bool {
			sp.mu.Lock()
			rp := sp.real
			sp.mu.Unlock()
			if rp == nil {
				return false
			}
			rp.Signal(sig)
			return true
		},
	}
}

// OpenPortForwards counts the port-forward sessions being served now.
func (k *Kubelet) OpenPortForwards() int64 { return k.portForwards.Load() }
