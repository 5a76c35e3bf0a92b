package kubelet

import (
	"context"
	"encoding/json"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// The simulated node. Its Lease is renewed every 10 s and its Ready condition every 30 s,
// so the node lifecycle controller never marks it NotReady and never taints or evicts.

const leaseNamespace = "kube-node-lease"

func nodeCapacity() v1.ResourceList {
	return v1.ResourceList{
		v1.ResourceCPU:              resource.MustParse("2000"),
		v1.ResourceMemory:           resource.MustParse("2000Gi"),
		v1.ResourcePods:             resource.MustParse("2000"),
		v1.ResourceEphemeralStorage: resource.MustParse("2000Gi"),
	}
}

// nodeInfo is what the Node object says about podsim's node.
type NodeInfo struct {
	Name, IP string
	// KubeletPort is where the streaming server (port-forward) listens on IP; 0 when off.
	KubeletPort int32
}

func nodeStatus(n NodeInfo) v1.NodeStatus {
	now := metav1.Now()
	cond := func(t v1.NodeConditionType, s v1.ConditionStatus, reason, msg string) v1.NodeCondition {
		return v1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return v1.NodeStatus{
		Capacity:    nodeCapacity(),
		Allocatable: nodeCapacity(),
		Phase:       v1.NodeRunning,
		Conditions: []v1.NodeCondition{
			cond(v1.NodeMemoryPressure, v1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			cond(v1.NodeDiskPressure, v1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			cond(v1.NodePIDPressure, v1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			cond(v1.NodeReady, v1.ConditionTrue, "KubeletReady", "podsim is posting ready status"),
		},
		// InternalIP first: the apiserver runs with --kubelet-preferred-address-types InternalIP
		// to reach the streaming server (the host name resolves nowhere).
		Addresses:       []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: n.IP}, {Type: v1.NodeHostName, Address: n.Name}},
		DaemonEndpoints: v1.NodeDaemonEndpoints{KubeletEndpoint: v1.DaemonEndpoint{Port: n.KubeletPort}},
		NodeInfo: v1.NodeSystemInfo{
			MachineID: "podsim", SystemUUID: "podsim", BootID: "podsim", KernelVersion: "podsim",
			OSImage: "podsim (simulated kubelet)", ContainerRuntimeVersion: "containerd://podsim",
			KubeletVersion: "v1.36.3", KubeProxyVersion: "", OperatingSystem: "linux", Architecture: "amd64",
		},
	}
}

// ensureNode creates the node if it is missing and posts a fresh Ready status.
func EnsureNode(ctx context.Context, cs kubernetes.Interface, n NodeInfo) error {
	nodeName := n.Name
	_, err := cs.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		node := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeName, Labels: map[string]string{
			"kubernetes.io/hostname": nodeName, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
			"type": "podsim",
		}}}
		if _, err = cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	} else if err != nil {
		return err
	}
	return postNodeStatus(ctx, cs, n)
}

func postNodeStatus(ctx context.Context, cs kubernetes.Interface, n NodeInfo) error {
	body, err := json.Marshal(map[string]any{"status": nodeStatus(n)})
	if err != nil {
		return err
	}
	_, err = cs.CoreV1().Nodes().Patch(ctx, n.Name, types.StrategicMergePatchType, body, metav1.PatchOptions{}, "status")
	return err
}

func renewLease(ctx context.Context, cs kubernetes.Interface, nodeName string) error {
	leases := cs.CoordinationV1().Leases(leaseNamespace)
	now := metav1.NewMicroTime(time.Now())
	l, err := leases.Get(ctx, nodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		secs := int32(40)
		holder := nodeName
		_, err = leases.Create(ctx, &coordv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: nodeName, Namespace: leaseNamespace},
			Spec:       coordv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &now},
		}, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	l.Spec.RenewTime = &now
	_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	return err
}

func NodeHeartbeat(ctx context.Context, cs kubernetes.Interface, n NodeInfo, logf func(string, ...any)) {
	nodeName := n.Name
	lease := time.NewTicker(10 * time.Second)
	status := time.NewTicker(30 * time.Second)
	defer lease.Stop()
	defer status.Stop()
	if err := renewLease(ctx, cs, nodeName); err != nil {
		logf("node lease: %v", err)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-lease.C:
			if err := renewLease(ctx, cs, nodeName); err != nil {
				logf("node lease: %v", err)
			}
		case <-status.C:
			if err := postNodeStatus(ctx, cs, n); err != nil {
				logf("node status: %v", err)
			}
		}
	}
}
