package kubelet

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	internalapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-client/pkg/logs"
	"kubectl-srs.test/cluster/podsim/containerlog"
)

// openContainerLog opens the log of a container instance and registers it as running until Close.
func (k *Kubelet) openContainerLog(sp *simPod, container string, instance int32) (*containerlog.Log, error) {
	path := containerlog.Path(k.cfg.StateDir, sp.ns, sp.name, string(sp.uid), container, instance)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	l := &containerlog.Log{F: f, Path: path, Partial: map[string][]byte{}, Now: time.Now}
	k.logsMu.Lock()
	if k.openLogs == nil {
		k.openLogs = map[string]bool{}
	}
	k.openLogs[path] = true
	k.logsMu.Unlock()
	l.OnClose = func() {
		k.logsMu.Lock()
		delete(k.openLogs, path)
		k.logsMu.Unlock()
	}
	return l, nil
}

// logOpen tells whether the container instance that writes path still runs.
func (k *Kubelet) logOpen(path string) bool {
	k.logsMu.Lock()
	defer k.logsMu.Unlock()
	return k.openLogs[path]
}

// logRuntime answers the one runtime question the CRI log reader asks while following:
// does the container still run. The reader is given the log path as the container id.
type logRuntime struct {
	internalapi.RuntimeService // nil: ReadLogs calls nothing else
	k                          *Kubelet
}

func (r logRuntime) ContainerStatus(_ context.Context, id string, _ bool) (*runtimeapi.ContainerStatusResponse, error) {
	state := runtimeapi.ContainerState_CONTAINER_EXITED
	if r.k.logOpen(id) {
		state = runtimeapi.ContainerState_CONTAINER_RUNNING
	}
	return &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: id, State: state}}, nil
}

// logError is a kubelet answer that is not a log: its status code and plain-text message.
type logError struct {
	code int
	msg  string
}

func (e *logError) Error() string { return e.msg }

// containerLogFile picks the log file kubelet would read for the request, with kubelet's
// errors (pkg/kubelet: validateContainerLogStatus and the server's checks).
func (k *Kubelet) containerLogFile(ns, name, container string, previous bool) (string, error) {
	pod, err := k.podLister.Pods(ns).Get(name)
	sp := k.lookup(ns + "/" + name)
	if err != nil || sp == nil || pod.Spec.NodeName != k.cfg.NodeName {
		return "", &logError{http.StatusNotFound, fmt.Sprintf("pod %q does not exist", name)}
	}
	if containerByName(pod, container) == nil {
		return "", &logError{http.StatusNotFound, fmt.Sprintf("container %q not found in pod %q", container, name)}
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	restarts := sp.restarts[container]
	if previous {
		if restarts == 0 || sp.lastTerm[container] == nil {
			return "", &logError{http.StatusBadRequest, fmt.Sprintf("previous terminated container %q in pod %q not found", container, name)}
		}
		return containerlog.Path(k.cfg.StateDir, ns, name, string(sp.uid), container, restarts-1), nil
	}
	if !sp.started {
		return "", &logError{http.StatusBadRequest, fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", container, name)}
	}
	path := containerlog.Path(k.cfg.StateDir, ns, name, string(sp.uid), container, restarts)
	if _, err := os.Stat(path); err != nil && restarts > 0 {
		// Waiting to restart (back-off, CrashLoopBackOff): kubelet shows the last instance.
		return containerlog.Path(k.cfg.StateDir, ns, name, string(sp.uid), container, restarts-1), nil
	}
	return path, nil
}

// serveContainerLogs: GET /containerLogs/{namespace}/{pod}/{container}.
func (k *Kubelet) serveContainerLogs(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/containerLogs/"), "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		http.Error(w, `{"message": "Missing podID, container name or podNamespace."}`, http.StatusBadRequest)
		return
	}
	query := r.URL.Query()
	if tail := query.Get("tail"); tail != "" { // kubelet's older spelling of tailLines
		query["tailLines"] = []string{tail}
		if tail == "all" {
			delete(query, "tailLines")
		}
	}
	opts, err := containerlog.DecodeOptions(query)
	if err != nil {
		http.Error(w, `{"message": "Unable to decode query."}`, http.StatusBadRequest)
		return
	}
	if (opts.TailLines != nil && *opts.TailLines < 0) || (opts.LimitBytes != nil && *opts.LimitBytes < 1) ||
		(opts.SinceSeconds != nil && *opts.SinceSeconds < 1) || (opts.SinceSeconds != nil && opts.SinceTime != nil) {
		http.Error(w, `{"message": "Invalid request."}`, http.StatusUnprocessableEntity)
		return
	}
	path, err := k.containerLogFile(parts[0], parts[1], parts[2], opts.Previous)
	if err != nil {
		code := http.StatusInternalServerError
		if le, ok := err.(*logError); ok {
			code = le.code
		}
		http.Error(w, err.Error(), code)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	if _, err := os.Stat(path); err != nil {
		return // a container podsim does not run (no process, no simulated SRS): it printed nothing
	}
	ro := &logs.LogOptions{TailLines: opts.TailLines, LimitBytes: opts.LimitBytes, Follow: opts.Follow, Timestamp: opts.Timestamps}
	if opts.SinceSeconds != nil {
		ro.Since = time.Now().Add(-time.Duration(*opts.SinceSeconds) * time.Second)
	}
	if opts.SinceTime != nil && opts.SinceTime.After(ro.Since) {
		ro.Since = opts.SinceTime.Time
	}
	fw := flushWriter{w}
	if err := logs.ReadLogs(r.Context(), path, path, ro, logRuntime{k: k}, fw, fw); err != nil {
		k.logf("containerLogs %s: %v", r.URL.Path, err)
	}
}

// flushWriter sends every write at once, so a followed log streams.
type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}

// removeContainerLogs drops the logs of a pod that is gone, as kubelet's log GC does.
func (k *Kubelet) removeContainerLogs(ns, name, uid string) {
	os.RemoveAll(filepath.Join(k.cfg.StateDir, "logs", ns+"_"+name+"_"+uid))
}
