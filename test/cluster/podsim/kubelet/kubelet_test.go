package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"kubectl-srs.test/cluster/podsim/annotations"
	"kubectl-srs.test/cluster/podsim/ipam"
	"kubectl-srs.test/cluster/podsim/simsrs"
	"kubectl-srs.test/cluster/podsim/simtest"
)

// The kubelet part against client-go's fake clientset: binding, IP, status, ConfigMap
// projection with reload, graceful deletion, Job pods.

func newFakeKubelet(t *testing.T, objs ...runtime.Object) (*Kubelet, *fake.Clientset, *simsrs.Registry) {
	t.Helper()
	return newFakeKubeletWith(t, nil, objs...)
}

// newFakeKubeletWith lets a test change the kubelet's configuration before it starts.
func newFakeKubeletWith(t *testing.T, configure func(*Config), objs ...runtime.Object) (*Kubelet, *fake.Clientset, *simsrs.Registry) {
	t.Helper()
	cs := fake.NewClientset(objs...)
	// The fake tracker does not implement pods/binding: set nodeName like the apiserver does.
	cs.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "binding" {
			return false, nil, nil
		}
		b := a.(k8stesting.CreateAction).GetObject().(*v1.Binding)
		obj, err := cs.Tracker().Get(v1.SchemeGroupVersion.WithResource("pods"), b.Namespace, b.Name)
		if err != nil {
			return true, nil, err
		}
		pod := obj.(*v1.Pod).DeepCopy()
		pod.Spec.NodeName = b.Target.Name
		return true, b, cs.Tracker().Update(v1.SchemeGroupVersion.WithResource("pods"), pod, b.Namespace)
	})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ips, _ := ipam.NewPool("10.244.0.0/16")
	reg := simsrs.NewRegistry("127.0.0.1", t.Logf)
	reg.Listeners[1985] = nil // registry bookkeeping only: no sockets in unit tests
	reg.Listeners[8080] = nil
	factory := informers.NewSharedInformerFactory(cs, 0)
	cfg := Config{NodeName: "sim-node", NodeIP: "10.244.0.1", StateDir: t.TempDir(),
		TimeScale: 1, SyncDelay: 50 * time.Millisecond, Workers: 4}
	if configure != nil {
		configure(&cfg)
	}
	k := New(cs, factory, cfg, ips, reg, t.Logf)
	factory.Start(ctx.Done())
	if err := EnsureNode(ctx, cs, NodeInfo{Name: "sim-node", IP: "10.244.0.1", KubeletPort: 10250}); err != nil {
		t.Fatal(err)
	}
	if err := k.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return k, cs, reg
}

func srsPod(name, image string, grace int64) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
		Spec: v1.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Volumes: []v1.Volume{{Name: "config-volume", VolumeSource: v1.VolumeSource{
				ConfigMap: &v1.ConfigMapVolumeSource{LocalObjectReference: v1.LocalObjectReference{Name: "srs-edge-config"}}}}},
			Containers: []v1.Container{{
				Name: "srs", Image: image,
				Ports:        []v1.ContainerPort{{ContainerPort: 1935}, {ContainerPort: 1985}, {ContainerPort: 8080}},
				VolumeMounts: []v1.VolumeMount{{Name: "config-volume", MountPath: "/usr/local/srs/conf"}},
				Lifecycle: &v1.Lifecycle{PreStop: &v1.LifecycleHandler{Exec: &v1.ExecAction{
					Command: []string{"/usr/local/srs/etc/init.d/srs", "grace"}}}},
			}},
		},
	}
}

func edgeConfigMap(conf string) *v1.ConfigMap {
	return &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "srs-edge-config", Namespace: "default"},
		Data: map[string]string{"srs.conf": conf}}
}

func getPod(cs *fake.Clientset, name string) (*v1.Pod, error) {
	return cs.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
}

func podReady(p *v1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == v1.PodReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

func TestKubeletRunsSRSPod(t *testing.T) {
	simsrs.ShortDelays(t)
	conf := strings.Replace(simtest.SeedEdgeConf, "daemon              off;", "daemon off; inotify_auto_reload on;", 1)
	k, cs, reg := newFakeKubelet(t, edgeConfigMap(conf), srsPod("edge-1", "ossrs/srs:v4.0.5", 120))

	var pod *v1.Pod
	simtest.Eventually(t, 3*time.Second, "Running and Ready", func() bool {
		pod, _ = getPod(cs, "edge-1")
		return pod != nil && pod.Status.Phase == v1.PodRunning && podReady(pod)
	})
	if pod.Spec.NodeName != "sim-node" || !strings.HasPrefix(pod.Status.PodIP, "10.244.") || pod.Status.HostIP != "10.244.0.1" ||
		len(pod.Status.PodIPs) != 1 || pod.Status.StartTime == nil || len(pod.Status.ContainerStatuses) != 1 {
		t.Fatalf("status: %+v", pod.Status)
	}
	cs0 := pod.Status.ContainerStatuses[0]
	if !cs0.Ready || cs0.State.Running == nil || cs0.ContainerID == "" || cs0.ImageID == "" || cs0.Image != "docker.io/ossrs/srs:v4.0.5" {
		t.Fatalf("container status: %+v", cs0)
	}
	e, ok := reg.Lookup(pod.Status.PodIP, 1985)
	if !ok || e.Proc.Version().String() != "4.0.5" || e.Kind != simsrs.KindAPI {
		t.Fatalf("no API endpoint for %s:1985", pod.Status.PodIP)
	}
	if _, ok := reg.Lookup(pod.Status.PodIP, 8080); !ok {
		t.Fatal("no HTTP server endpoint")
	}
	volFile := filepath.Join(k.podDir("default", "edge-1"), "volumes", "config-volume", "srs.conf")
	if b, err := os.ReadFile(volFile); err != nil || string(b) != conf {
		t.Fatalf("projected file: %v %q", err, b)
	}

	// ConfigMap change: projected after the sync delay, reloaded by "inotify" after that.
	newConf := strings.Replace(conf, "srs-origin-0.socs srs-origin-1.socs srs-origin-2.socs", "srs-origin-1.socs srs-origin-0.socs", 1)
	if _, err := cs.CoreV1().ConfigMaps("default").Update(context.Background(), edgeConfigMap(newConf), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	simtest.Eventually(t, 3*time.Second, "reload with the new origins", func() bool {
		s := e.Proc.Snapshot()
		return s.Reloads == 1 && len(s.Origins) == 2 && s.Origins[0] == "srs-origin-1.socs"
	})
	if b, _ := os.ReadFile(filepath.Join(k.podDir("default", "edge-1"), "loaded.conf")); string(b) != newConf {
		t.Fatalf("loaded.conf not updated: %q", b)
	}

	// Deletion with connections: stays Terminating until the clients leave.
	pod.Annotations = map[string]string{annotations.AnnConnections: "3"}
	if _, err := cs.CoreV1().Pods("default").Update(context.Background(), pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	simtest.Eventually(t, time.Second, "connections annotation applied", func() bool { return e.Proc.Connections() == 3 })
	markDeleted(t, cs, "edge-1")
	simtest.Eventually(t, time.Second, "listeners closed", func() bool { _, ok := reg.Lookup(pod.Status.PodIP, 1985); return !ok })
	time.Sleep(200 * time.Millisecond)
	if _, err := getPod(cs, "edge-1"); err != nil {
		t.Fatalf("pod deleted while clients were connected: %v", err)
	}
	pod, _ = getPod(cs, "edge-1")
	pod.Annotations[annotations.AnnConnections] = "0"
	if _, err := cs.CoreV1().Pods("default").Update(context.Background(), pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	simtest.Eventually(t, 3*time.Second, "pod deleted", func() bool { _, err := getPod(cs, "edge-1"); return apierrors.IsNotFound(err) })
	simtest.Eventually(t, time.Second, "IP released", func() bool { return k.ips.InUse() == 0 })
}

// markDeleted sets deletionTimestamp like a graceful DELETE does (the fake tracker
// deletes objects at once).
func markDeleted(t *testing.T, cs *fake.Clientset, name string) {
	t.Helper()
	pod, err := getPod(cs, name)
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	pod.DeletionTimestamp = &now
	pod.DeletionGracePeriodSeconds = pod.Spec.TerminationGracePeriodSeconds
	if _, err := cs.CoreV1().Pods("default").Update(context.Background(), pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestKubeletGracePeriodAndOtherPods(t *testing.T) {
	simsrs.ShortDelays(t)
	nginx := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "nginx", Namespace: "default", UID: "uid-nginx"},
		Spec: v1.PodSpec{Containers: []v1.Container{{Name: "nginx", Image: "nginx"}}}}
	job := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "cleanup-x", Namespace: "default", UID: "uid-job",
		OwnerReferences: []metav1.OwnerReference{{Kind: "Job", Name: "cleanup", APIVersion: "batch/v1", UID: "j"}},
		Annotations:     map[string]string{annotations.AnnJobDuration: "10"}},
		Spec: v1.PodSpec{RestartPolicy: v1.RestartPolicyNever, Containers: []v1.Container{{Name: "c", Image: "ossrs/srs:4", Command: []string{"/bin/sh", "-c", "true"}}}}}
	k, cs, reg := newFakeKubelet(t, edgeConfigMap(simtest.SeedEdgeConf), srsPod("edge-2", "ossrs/srs:6", 1), nginx, job)
	k.cfg.TimeScale = 0.5

	simtest.Eventually(t, 3*time.Second, "job Succeeded", func() bool {
		p, _ := getPod(cs, "cleanup-x")
		return p != nil && p.Status.Phase == v1.PodSucceeded &&
			p.Status.ContainerStatuses[0].State.Terminated != nil && p.Status.ContainerStatuses[0].State.Terminated.Reason == "Completed"
	})
	simtest.Eventually(t, 3*time.Second, "edge and nginx Ready", func() bool {
		a, _ := getPod(cs, "edge-2")
		b, _ := getPod(cs, "nginx")
		return a != nil && b != nil && podReady(a) && podReady(b)
	})
	markDeleted(t, cs, "nginx")
	simtest.Eventually(t, time.Second, "nginx removed at once", func() bool { _, err := getPod(cs, "nginx"); return apierrors.IsNotFound(err) })

	// 1 s grace times 0.5: SIGKILL after 0.5 s even though a client stays connected.
	pod, _ := getPod(cs, "edge-2")
	pod.Annotations = map[string]string{annotations.AnnConnections: "1"}
	cs.CoreV1().Pods("default").Update(context.Background(), pod, metav1.UpdateOptions{})
	e, ok := reg.Lookup(pod.Status.PodIP, 1985)
	if !ok {
		t.Fatalf("no API endpoint for %s:1985", pod.Status.PodIP)
	}
	simtest.Eventually(t, 2*time.Second, "connections annotation applied", func() bool { return e.Proc.Connections() == 1 })
	t0 := time.Now()
	markDeleted(t, cs, "edge-2")
	simtest.Eventually(t, 2*time.Second, "edge deleted after the grace period", func() bool { _, err := getPod(cs, "edge-2"); return apierrors.IsNotFound(err) })
	if d := time.Since(t0); d < 400*time.Millisecond {
		t.Fatalf("deleted after %s, before the grace period", d)
	}
	// Before the pod object went, its status showed the kill and the client it cut.
	var term *v1.ContainerStateTerminated
	for _, a := range cs.Actions() {
		pa, ok := a.(k8stesting.PatchAction)
		if !ok || pa.GetSubresource() != "status" || pa.GetName() != "edge-2" {
			continue
		}
		var body struct {
			Status v1.PodStatus `json:"status"`
		}
		if err := json.Unmarshal(pa.GetPatch(), &body); err == nil && len(body.Status.ContainerStatuses) > 0 && body.Status.ContainerStatuses[0].State.Terminated != nil {
			term = body.Status.ContainerStatuses[0].State.Terminated
		}
	}
	if term == nil || term.ExitCode != 137 || term.Reason != "Error" ||
		term.Message != "SIGKILL after the grace period (500ms): 1 clients cut (1 players, 0 publishers)" {
		t.Fatalf("terminated state before deletion: %+v", term)
	}
}

func TestKubeletManyPods(t *testing.T) {
	var objs []runtime.Object
	objs = append(objs, edgeConfigMap(simtest.SeedEdgeConf))
	for i := 0; i < 200; i++ {
		objs = append(objs, srsPod(fmt.Sprintf("edge-%03d", i), "ossrs/srs:5", 30))
	}
	_, cs, _ := newFakeKubelet(t, objs...)
	simtest.Eventually(t, 20*time.Second, "200 pods Ready", func() bool {
		l, _ := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
		ips := map[string]bool{}
		for _, p := range l.Items {
			if !podReady(&p) || ips[p.Status.PodIP] {
				return false
			}
			ips[p.Status.PodIP] = true
		}
		return len(ips) == 200
	})
}
