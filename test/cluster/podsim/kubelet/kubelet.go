// Package kubelet plays the kubelet of one node: the Node and its lease, binding and
// running pods (simulated SRS, real SRS builds, Job pods), IPs, projected ConfigMap volumes,
// status, termination, container logs and port-forward; it answers the control endpoint
// (package control) through control.Pods.
package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"kubectl-srs.test/cluster/podsim/annotations"
	"kubectl-srs.test/cluster/podsim/dns"
	"kubectl-srs.test/cluster/podsim/ipam"
	"kubectl-srs.test/cluster/podsim/jobs"
	"kubectl-srs.test/cluster/podsim/realsrs"
	"kubectl-srs.test/cluster/podsim/simsrs"
)

// Kubelet plays the kubelet of one node for every pod: it binds pending pods to the node
// (no scheduler runs), gives each an IP, projects its ConfigMap volumes, starts the
// simulated SRS, reports status, and deletes the pod once its SRS has quit.

type Config struct {
	NodeName   string
	NodeIP     string
	StateDir   string
	TimeScale  float64       // multiplies grace periods
	SyncDelay  time.Duration // delay before a ConfigMap change reaches the projected files
	StartDelay time.Duration // default delay between pod creation and container start
	Workers    int
	RealSRS    realsrs.Map    // images that run a real SRS build instead of the simulation
	DNS        dns.ClusterDNS // resolv.conf of the pods that run a real process
}

type Kubelet struct {
	cs        kubernetes.Interface
	cfg       Config
	podLister corelisters.PodLister
	cmLister  corelisters.ConfigMapLister
	synced    []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	ips       *ipam.Pool
	reg       *simsrs.Registry
	jobs      jobs.Runner
	logf      func(string, ...any)
	// portForwards counts the port-forward sessions being served now (control endpoint
	// /portforwards): tests assert that the plugin leaves none open, which a count of TCP
	// connections to the kubelet port cannot tell apart from the apiserver's idle keep-alive
	// connections of container-log requests.
	portForwards atomic.Int64

	mu   sync.Mutex
	pods map[string]*simPod
	// stopping: podsim is stopping (stopAllReal), no container starts or restarts any more.
	// Atomic, as it is read with a pod's mu held, which stopAllReal takes under k.mu.
	stopping atomic.Bool

	logsMu   sync.Mutex
	openLogs map[string]bool // container logs of the instances that run (containerlogs.go)
}

// simPod is the kubelet's record of one pod bound to the node.
type simPod struct {
	mu        sync.Mutex
	key       string
	ns, name  string
	uid       types.UID
	ip        string
	started   bool
	startTime metav1.Time

	containerStart map[string]metav1.Time
	restarts       map[string]int32
	lastTerm       map[string]*v1.ContainerStateTerminated

	srsContainer string // "" when the pod runs no SRS
	version      simsrs.Version
	proc         *simsrs.Proc
	realBuild    string        // the SRS build folder when the container runs a real SRS
	real         *realsrs.Proc // the running real SRS
	crashLoop    bool          // SRS could not start (invalid config); retried when the volume changes
	needsRestart bool          // the SRS process exited and the container restarts
	// statusPending: the last status patch failed (apiserver down or restarting); the next
	// sync sends it again, as kubelet's status manager does, instead of leaving the pod Pending.
	statusPending bool
	confVol       *podVolume
	volumes       []*podVolume
	volTimer      *time.Timer
	terminating   bool
	// finalTerm: the SRS container's terminated state once it ended during the pod's
	// deletion, shown before the pod object goes, as a kubelet does.
	finalTerm   *v1.ContainerStateTerminated
	job         bool
	jobPhase    v1.PodPhase // "", Succeeded or Failed
	jobExitCode int32
	jobFinished metav1.Time
}

func New(cs kubernetes.Interface, factory informers.SharedInformerFactory, cfg Config,
	ips *ipam.Pool, reg *simsrs.Registry, logf func(string, ...any)) *Kubelet {
	k := &Kubelet{
		cs: cs, cfg: cfg, ips: ips, reg: reg, logf: logf, jobs: jobs.SleepRunner{},
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		pods:  map[string]*simPod{},
	}
	podInf := factory.Core().V1().Pods()
	cmInf := factory.Core().V1().ConfigMaps()
	k.podLister, k.cmLister = podInf.Lister(), cmInf.Lister()
	k.synced = []cache.InformerSynced{podInf.Informer().HasSynced, cmInf.Informer().HasSynced}
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			k.queue.Add(key)
		}
	}
	podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, n any) { enqueue(n) }, DeleteFunc: enqueue,
	})
	cmInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: k.configMapChanged, UpdateFunc: func(_, n any) { k.configMapChanged(n) },
	})
	return k
}

// Run waits for the caches, re-adopts pods that already run on the node (after a podsim
// restart) and starts the workers. It returns once the workers run.
func (k *Kubelet) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), k.synced...) {
		return fmt.Errorf("informer caches did not sync")
	}
	pods, _ := k.podLister.List(everything)
	for _, p := range pods {
		if p.Spec.NodeName == k.cfg.NodeName && p.Status.PodIP != "" {
			if k.ips.Reserve(p.Status.PodIP) {
				k.record(p).ip = p.Status.PodIP
			}
		}
	}
	for i := 0; i < k.cfg.Workers; i++ {
		go k.worker(ctx)
	}
	go func() { <-ctx.Done(); k.queue.ShutDown() }()
	return nil
}

func (k *Kubelet) worker(ctx context.Context) {
	for {
		key, quit := k.queue.Get()
		if quit {
			return
		}
		if err := k.sync(ctx, key); err != nil {
			k.logf("sync %s: %v", key, err)
			k.queue.AddRateLimited(key)
		} else {
			k.queue.Forget(key)
		}
		k.queue.Done(key)
	}
}

func (k *Kubelet) podDir(ns, name string) string {
	return filepath.Join(k.cfg.StateDir, "pods", ns, name)
}

// record returns the kubelet's record for the pod, replacing one of an older pod that had
// the same name (StatefulSets recreate pods under the same name).
func (k *Kubelet) record(pod *v1.Pod) *simPod {
	key := pod.Namespace + "/" + pod.Name
	k.mu.Lock()
	sp := k.pods[key]
	if sp != nil && sp.uid != pod.UID {
		k.mu.Unlock()
		k.forget(key)
		k.mu.Lock()
		sp = nil
	}
	if sp == nil {
		sp = &simPod{key: key, ns: pod.Namespace, name: pod.Name, uid: pod.UID,
			containerStart: map[string]metav1.Time{}, restarts: map[string]int32{}, lastTerm: map[string]*v1.ContainerStateTerminated{}}
		k.pods[key] = sp
	}
	k.mu.Unlock()
	return sp
}

func (k *Kubelet) lookup(key string) *simPod {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.pods[key]
}

// forget drops a pod that is gone from the apiserver: its SRS dies at once, its IP goes back.
func (k *Kubelet) forget(key string) {
	k.mu.Lock()
	sp := k.pods[key]
	delete(k.pods, key)
	k.mu.Unlock()
	if sp == nil {
		return
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.proc != nil {
		sp.proc.Signal("KILL")
		sp.proc = nil
	}
	if sp.real != nil {
		sp.real.Signal(syscall.SIGKILL)
		sp.real = nil
	}
	if sp.volTimer != nil {
		sp.volTimer.Stop()
	}
	if sp.ip != "" {
		k.ips.Release(sp.ip)
		sp.ip = ""
	}
	realsrs.RemovePodDir(k.podDir(sp.ns, sp.name))
	k.removeContainerLogs(sp.ns, sp.name, string(sp.uid))
}

func (k *Kubelet) sync(ctx context.Context, key string) error {
	ns, name, _ := strings.Cut(key, "/")
	pod, err := k.podLister.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		k.forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	if pod.Spec.NodeName == "" {
		if pod.DeletionTimestamp != nil {
			return nil // an unbound pod is deleted by the apiserver itself
		}
		return k.bind(ctx, pod)
	}
	if pod.Spec.NodeName != k.cfg.NodeName {
		return nil
	}
	sp := k.record(pod)
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.proc != nil {
		sp.proc.SetKnobs(simsrs.KnobsFromAnnotations(pod.Annotations))
	}
	if pod.DeletionTimestamp != nil {
		if !sp.terminating {
			sp.terminating = true
			go k.terminate(sp, pod.DeepCopy())
		}
		return nil
	}
	if !sp.started {
		if pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed {
			return nil // finished before a podsim restart: nothing runs any more
		}
		return k.start(ctx, sp, pod)
	}
	if sp.needsRestart && sp.srsContainer != "" && sp.proc == nil && sp.real == nil && sp.jobPhase == "" {
		sp.needsRestart = false
		k.startContainer(sp, pod)
		sp.statusPending = true
	}
	if sp.statusPending {
		if err := k.patchStatus(ctx, sp, pod); err != nil {
			return err // retried with backoff by the work queue
		}
		sp.statusPending = false
	}
	return nil
}

func (k *Kubelet) bind(ctx context.Context, pod *v1.Pod) error {
	b := &v1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
		Target:     v1.ObjectReference{Kind: "Node", Name: k.cfg.NodeName},
	}
	err := k.cs.CoreV1().Pods(pod.Namespace).Bind(ctx, b, metav1.CreateOptions{})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) || apierrors.IsAlreadyExists(err) {
		return nil // bound meanwhile, or gone
	}
	return err
}

// start does what kubelet does before the containers run: IP, volumes, then the containers.
func (k *Kubelet) start(ctx context.Context, sp *simPod, pod *v1.Pod) error {
	if delay := annotations.Millis(pod.Annotations, annotations.AnnStartDelayMs, k.cfg.StartDelay); delay > 0 {
		if wait := time.Until(pod.CreationTimestamp.Add(delay)); wait > 0 {
			k.queue.AddAfter(sp.key, wait)
			return nil
		}
	}
	if sp.ip == "" {
		ip, err := k.ips.Allocate()
		if err != nil {
			return err
		}
		sp.ip = ip
	}
	sp.volumes = configMapVolumes(pod, k.podDir(pod.Namespace, pod.Name))
	for _, v := range sp.volumes {
		cm, err := k.cmLister.ConfigMaps(pod.Namespace).Get(v.ConfigMap)
		if apierrors.IsNotFound(err) && !v.Optional {
			// Real kubelet keeps the pod in ContainerCreating (FailedMount); so do we. The
			// ConfigMap's creation enqueues the pod again.
			return nil
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		if apierrors.IsNotFound(err) {
			cm = nil
		}
		payload, err := v.payloadFor(cm)
		if err != nil {
			return nil // missing key: stays ContainerCreating as well
		}
		if _, err := v.write(payload); err != nil {
			return fmt.Errorf("project volume %s: %w", v.Name, err)
		}
	}
	now := metav1.Now()
	sp.startTime = now
	if pod.Status.StartTime != nil {
		sp.startTime = *pod.Status.StartTime
	}
	for _, c := range pod.Spec.Containers {
		sp.containerStart[c.Name] = runningSince(pod, c.Name, now)
	}
	sp.job = isJobPod(pod)
	if c := srsContainerOf(pod); c != nil && !sp.job {
		sp.srsContainer = c.Name
		sp.version, _ = simsrs.VersionFromImage(c.Image)
		sp.realBuild = k.cfg.RealSRS.BuildFor(c.Image)
		k.startContainer(sp, pod)
	}
	sp.started = true
	if err := k.patchStatus(ctx, sp, pod); err != nil {
		sp.statusPending = true
		return err
	}
	if sp.job {
		go k.runJob(sp, pod.DeepCopy())
	}
	return nil
}

// runningSince keeps the startedAt a container already reported (podsim restarts).
func runningSince(pod *v1.Pod, name string, def metav1.Time) metav1.Time {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == name && cs.State.Running != nil {
			return cs.State.Running.StartedAt
		}
	}
	return def
}

// startContainer starts the SRS container: a real SRS build when the image is in the
// real-SRS mapping, else the simulated SRS. Called with sp.mu held.
func (k *Kubelet) startContainer(sp *simPod, pod *v1.Pod) {
	if k.stopping.Load() {
		return
	}
	if sp.realBuild == "" {
		k.startProc(sp, pod)
		return
	}
	c := containerByName(pod, sp.srsContainer)
	if c == nil {
		return
	}
	rp, err := k.startReal(sp, pod, c)
	if err != nil {
		k.logf("%s: real SRS does not start: %v", sp.key, err)
		sp.crashLoop, sp.real = true, nil
		return
	}
	sp.crashLoop, sp.real = false, rp
	if sp.restarts[c.Name] > 0 {
		sp.containerStart[c.Name] = metav1.Now()
	}
}

// startProc starts the simulated SRS of the pod. Called with sp.mu held.
func (k *Kubelet) startProc(sp *simPod, pod *v1.Pod) {
	c := containerByName(pod, sp.srsContainer)
	if c == nil {
		return
	}
	reader, vol := k.confReader(c, sp.volumes)
	sp.confVol = vol
	console, err := k.openContainerLog(sp, c.Name, sp.restarts[c.Name])
	if err != nil {
		k.logf("%s: container log: %v", sp.key, err)
		console = nil
	}
	var p *simsrs.Proc
	p, err = simsrs.StartProc(sp.ns, sp.name, sp.ip, sp.version, simsrs.KnobsFromAnnotations(pod.Annotations), simsrs.Hooks{
		Bind:     k.reg.Bind,
		Unbind:   k.reg.Unbind,
		Loaded:   k.writeLoaded,
		Exited:   func(ep *simsrs.Proc, reason string) { k.containerExited(sp, ep, reason) },
		ReadConf: reader,
		Env:      k.containerEnv(sp.ns, c),
		Console:  console,
	})
	if err != nil {
		k.logf("%s: SRS does not start: %v", sp.key, err)
		if console != nil {
			console.Println(fmt.Sprintf("[%s][ERROR] %v", time.Now().Format("2006-01-02 15:04:05.000"), err))
			console.Close()
		}
		sp.crashLoop, sp.proc = true, nil
		return
	}
	p.Mu.Lock()
	p.RestartCount = sp.restarts[c.Name]
	p.Mu.Unlock()
	sp.crashLoop, sp.proc = false, p
	if sp.restarts[c.Name] > 0 {
		sp.containerStart[c.Name] = metav1.Now()
	}
}

// containerEnv: the container's env as SRS sees it: literal values, and valueFrom
// secretKeyRef / configMapKeyRef read from the apiserver like kubelet does (a missing
// optional key is left out; a missing required one too, where kubelet would not start the
// container: podsim only needs SRS_HTTP_API_AUTH_* from it).
func (k *Kubelet) containerEnv(ns string, c *v1.Container) map[string]string {
	env := map[string]string{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			if sec, err := k.cs.CoreV1().Secrets(ns).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
				if v, ok := sec.Data[ref.Key]; ok {
					env[e.Name] = string(v)
				} else if v, ok := sec.StringData[ref.Key]; ok {
					env[e.Name] = v
				}
			} else {
				k.logf("%s/%s: env %s: %v", ns, c.Name, e.Name, err)
			}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			if cm, err := k.cmLister.ConfigMaps(ns).Get(ref.Name); err == nil {
				if v, ok := cm.Data[ref.Key]; ok {
					env[e.Name] = v
				}
			}
		}
	}
	return env
}

// containerExited: an SRS process ended while its pod is not being deleted (a crash on a
// bad reload, a quit signal from the control endpoint). The container restarts.
func (k *Kubelet) containerExited(sp *simPod, p *simsrs.Proc, reason string) {
	sp.mu.Lock()
	if sp.proc != p || sp.terminating {
		sp.mu.Unlock()
		return
	}
	k.logf("%s: SRS exited (%s), restarting the container", sp.key, reason)
	started := sp.containerStart[sp.srsContainer]
	sp.restarts[sp.srsContainer]++
	sp.lastTerm[sp.srsContainer] = &v1.ContainerStateTerminated{
		ExitCode: 0, Reason: "Completed", StartedAt: started, FinishedAt: metav1.Now(),
		ContainerID: containerID(sp, sp.srsContainer, sp.restarts[sp.srsContainer]-1),
	}
	sp.proc = nil
	sp.needsRestart = true
	sp.mu.Unlock()
	time.AfterFunc(time.Second, func() { k.queue.Add(sp.key) })
}

// srsContainerOf picks the container that runs SRS: an SRS image whose command, if set,
// still starts the srs binary (the seed's helper containers run /bin/sh from the SRS image).
func srsContainerOf(pod *v1.Pod) *v1.Container {
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if _, ok := simsrs.VersionFromImage(c.Image); !ok {
			continue
		}
		if len(c.Command) > 0 && filepath.Base(c.Command[0]) != "srs" {
			continue
		}
		return c
	}
	return nil
}

func containerByName(pod *v1.Pod, name string) *v1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

func isJobPod(pod *v1.Pod) bool {
	for _, o := range pod.OwnerReferences {
		if o.Kind == "Job" {
			return true
		}
	}
	return false
}

// confPaths: the -c argument if the container passes one, else the usual image paths.
func confPaths(c *v1.Container) (paths []string, explicit bool) {
	argv := append(append([]string{}, c.Command...), c.Args...)
	wd := c.WorkingDir
	if wd == "" {
		wd = "/usr/local/srs"
	}
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == "-c" {
			p := argv[i+1]
			if !filepath.IsAbs(p) {
				p = filepath.Join(wd, p)
			}
			return []string{p}, true
		}
	}
	return []string{"/usr/local/srs/conf/srs.conf", "/usr/local/srs/conf/docker.conf"}, false
}

// confReader tells the SRS process where its config is read from: a projected ConfigMap
// file (re-read on every reload), a subPath file (frozen at start, as kubelet never updates
// those), or the config baked into the image.
func (k *Kubelet) confReader(c *v1.Container, vols []*podVolume) (func() (string, error), *podVolume) {
	paths, explicit := confPaths(c)
	for _, p := range paths {
		host, vol, subPath, ok := hostPathFor(c, vols, p)
		if !ok {
			continue
		}
		if _, err := os.Stat(host); err != nil && !explicit {
			continue
		}
		if subPath {
			b, err := os.ReadFile(host)
			return func() (string, error) { return string(b), err }, nil
		}
		return func() (string, error) {
			b, err := os.ReadFile(host)
			return string(b), err
		}, vol
	}
	return func() (string, error) { return simsrs.DefaultConf, nil }, nil
}

// writeLoaded records what an SRS loaded: <pod dir>/loaded.conf and srs.json.
func (k *Kubelet) writeLoaded(snap simsrs.Snapshot) {
	dir := k.podDir(snap.Namespace, snap.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	writeFileAtomic(filepath.Join(dir, "loaded.conf"), []byte(snap.LoadedConf))
	b, _ := json.MarshalIndent(snap, "", "  ")
	writeFileAtomic(filepath.Join(dir, "srs.json"), b)
}

func writeFileAtomic(path string, b []byte) {
	tmp := path + ".tmp"
	if os.WriteFile(tmp, b, 0o644) == nil {
		os.Rename(tmp, path)
	}
}

// configMapChanged schedules, after the sync delay, a refresh of every pod volume that
// projects this ConfigMap.
func (k *Kubelet) configMapChanged(obj any) {
	cm, ok := obj.(*v1.ConfigMap)
	if !ok {
		return
	}
	k.mu.Lock()
	var hit []*simPod
	for _, sp := range k.pods {
		if sp.ns == cm.Namespace {
			hit = append(hit, sp)
		}
	}
	k.mu.Unlock()
	for _, sp := range hit {
		sp.mu.Lock()
		uses := false
		for _, v := range sp.volumes {
			uses = uses || v.ConfigMap == cm.Name
		}
		if !sp.started {
			k.queue.Add(sp.key) // may have waited for this ConfigMap
		} else if uses && sp.volTimer == nil {
			key := sp.key
			sp.volTimer = time.AfterFunc(k.cfg.SyncDelay, func() { k.refreshVolumes(key) })
		}
		sp.mu.Unlock()
	}
	// Pods not yet known to the kubelet (pending) pick the ConfigMap up when they start.
}

func (k *Kubelet) refreshVolumes(key string) {
	sp := k.lookup(key)
	if sp == nil {
		return
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.volTimer = nil
	for _, v := range sp.volumes {
		cm, err := k.cmLister.ConfigMaps(sp.ns).Get(v.ConfigMap)
		if err != nil {
			continue // a deleted ConfigMap leaves the last files in place, as kubelet does
		}
		payload, err := v.payloadFor(cm)
		if err != nil {
			continue
		}
		changed, err := v.write(payload)
		if err != nil {
			k.logf("%s: project volume %s: %v", key, v.Name, err)
			continue
		}
		if !changed {
			continue
		}
		k.logf("%s: volume %s updated from configmap %s", key, v.Name, v.ConfigMap)
		if sp.proc != nil && sp.confVol == v {
			sp.proc.VolumeSwapped()
		}
		if sp.crashLoop && sp.srsContainer != "" {
			sp.needsRestart = true // a fixed config lets the crashing container start
			k.queue.Add(key)
		}
	}
}
