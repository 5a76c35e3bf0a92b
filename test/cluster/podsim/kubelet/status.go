package kubelet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"kubectl-srs.test/cluster/podsim/imageref"
)

// Pod status as a kubelet reports it, sent as a JSON merge patch of the status subresource.

var everything = labels.Everything()

func containerID(sp *simPod, name string, restart int32) string {
	sum := sha256.Sum256([]byte(string(sp.uid) + "/" + name + "/" + strconv.Itoa(int(restart))))
	return "containerd://" + hex.EncodeToString(sum[:])
}

func imageID(image string) string {
	n := imageref.Normalize(image)
	sum := sha256.Sum256([]byte(n))
	repo := n
	if i := strings.LastIndex(n, ":"); i > strings.LastIndex(n, "/") {
		repo = n[:i]
	}
	return repo + "@sha256:" + hex.EncodeToString(sum[:])
}

func condition(old *v1.PodStatus, t v1.PodConditionType, ok bool, reason string, gen int64) v1.PodCondition {
	st := v1.ConditionFalse
	if ok {
		st = v1.ConditionTrue
	}
	c := v1.PodCondition{Type: t, Status: st, Reason: reason, LastTransitionTime: metav1.Now(), ObservedGeneration: gen}
	for _, oc := range old.Conditions {
		if oc.Type == t && oc.Status == st {
			c.LastTransitionTime = oc.LastTransitionTime // unchanged condition keeps its time
		}
	}
	return c
}

// buildStatus computes the full status from the kubelet's record. Called with sp.mu held.
func (k *Kubelet) buildStatus(sp *simPod, pod *v1.Pod) v1.PodStatus {
	old := &pod.Status
	st := v1.PodStatus{
		Phase:              v1.PodRunning,
		HostIP:             k.cfg.NodeIP,
		HostIPs:            []v1.HostIP{{IP: k.cfg.NodeIP}},
		PodIP:              sp.ip,
		PodIPs:             []v1.PodIP{{IP: sp.ip}},
		StartTime:          &sp.startTime,
		ObservedGeneration: pod.Generation,
	}
	allReady := true
	for _, c := range pod.Spec.Containers {
		cs := v1.ContainerStatus{
			Name: c.Name, Image: imageref.Normalize(c.Image), ImageID: imageID(c.Image),
			RestartCount: sp.restarts[c.Name], ContainerID: containerID(sp, c.Name, sp.restarts[c.Name]),
			LastTerminationState: v1.ContainerState{Terminated: sp.lastTerm[c.Name]},
		}
		started := true
		switch {
		case sp.jobPhase != "":
			code, reason := sp.jobExitCode, "Completed"
			if code != 0 {
				reason = "Error"
			}
			cs.State.Terminated = &v1.ContainerStateTerminated{
				ExitCode: code, Reason: reason, StartedAt: sp.containerStart[c.Name], FinishedAt: sp.jobFinished,
				ContainerID: cs.ContainerID,
			}
			started = false
		case c.Name == sp.srsContainer && sp.finalTerm != nil:
			cs.State.Terminated = sp.finalTerm
			started = false
		case c.Name == sp.srsContainer && sp.proc == nil && sp.real == nil:
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
				Message: "back-off restarting failed container " + c.Name + " in pod " + pod.Name}
			started = false
		default:
			cs.State.Running = &v1.ContainerStateRunning{StartedAt: sp.containerStart[c.Name]}
		}
		cs.Started = &started
		cs.Ready = started
		if c.Name == sp.srsContainer && sp.real != nil && !sp.real.Ready {
			cs.Ready = false // a real SRS is ready once its API port answers
		}
		allReady = allReady && cs.Ready
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	for _, c := range pod.Spec.InitContainers {
		cs := v1.ContainerStatus{Name: c.Name, Image: imageref.Normalize(c.Image), ImageID: imageID(c.Image),
			ContainerID: containerID(sp, c.Name, 0)}
		sidecar := c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
		t := true
		if sidecar && sp.jobPhase == "" {
			cs.State.Running = &v1.ContainerStateRunning{StartedAt: sp.startTime}
			cs.Ready, cs.Started = true, &t
		} else {
			f := false
			cs.State.Terminated = &v1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed",
				StartedAt: sp.startTime, FinishedAt: sp.startTime, ContainerID: cs.ContainerID}
			cs.Started = &f
		}
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
	}
	gen := pod.Generation
	readyReason := ""
	if sp.jobPhase != "" {
		st.Phase, readyReason, allReady = sp.jobPhase, "PodCompleted", false
	} else if !allReady {
		readyReason = "ContainersNotReady"
	}
	st.Conditions = []v1.PodCondition{
		condition(old, v1.PodReadyToStartContainers, sp.jobPhase == "", "", gen),
		condition(old, v1.PodInitialized, true, "", gen),
		condition(old, v1.PodReady, allReady, readyReason, gen),
		condition(old, v1.ContainersReady, allReady, readyReason, gen),
		condition(old, v1.PodScheduled, true, "", gen),
	}
	return st
}

func (k *Kubelet) patchStatus(ctx context.Context, sp *simPod, pod *v1.Pod) error {
	st := k.buildStatus(sp, pod)
	// metadata.uid makes the patch a precondition: it fails for a recreated same-name pod.
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"uid": pod.UID}, "status": st})
	if err != nil {
		return err
	}
	_, err = k.cs.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, body, metav1.PatchOptions{}, "status")
	return err
}
