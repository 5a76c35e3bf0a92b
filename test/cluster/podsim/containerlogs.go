package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	internalapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-client/pkg/logs"
)

// Container logs as a kubelet keeps and serves them. Every container instance that podsim
// runs writes its output to <state>/logs/<ns>_<pod>_<uid>/<container>/<restartCount>.log in
// the CRI log format (one "<RFC3339Nano> stdout|stderr F <line>" per line), as containerd
// does under /var/log/pods; the kubelet server's /containerLogs/{ns}/{pod}/{container}
// reads them with the CRI client's own reader, so tailLines, sinceSeconds, sinceTime,
// timestamps, limitBytes and follow behave as on a real node.

// containerLogPath is where one instance (restart count) of a container logs.
func containerLogPath(stateDir, ns, pod, uid, container string, instance int32) string {
	return filepath.Join(stateDir, "logs", ns+"_"+pod+"_"+uid, container, strconv.Itoa(int(instance))+".log")
}

// containerLog is the open log of one running container instance. Writers per stream cut
// the output into lines; a line is stamped when its end arrives.
type containerLog struct {
	mu      sync.Mutex
	f       *os.File
	path    string
	partial map[string][]byte
	closed  bool
	onClose func()
	now     func() time.Time
}

// openContainerLog opens the log of a container instance and registers it as running until Close.
func (k *Kubelet) openContainerLog(sp *simPod, container string, instance int32) (*containerLog, error) {
	path := containerLogPath(k.cfg.StateDir, sp.ns, sp.name, string(sp.uid), container, instance)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	l := &containerLog{f: f, path: path, partial: map[string][]byte{}, now: time.Now}
	k.logsMu.Lock()
	if k.openLogs == nil {
		k.openLogs = map[string]bool{}
	}
	k.openLogs[path] = true
	k.logsMu.Unlock()
	l.onClose = func() {
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

type logStream struct {
	l      *containerLog
	stream string
}

func (s logStream) Write(b []byte) (int, error) { return s.l.write(s.stream, b) }

// Stdout and Stderr are the container's two output streams.
func (l *containerLog) Stdout() io.Writer { return logStream{l, "stdout"} }
func (l *containerLog) Stderr() io.Writer { return logStream{l, "stderr"} }

func (l *containerLog) write(stream string, b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return len(b), nil
	}
	buf := append(l.partial[stream], b...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		l.writeLineLocked(stream, buf[:i])
		buf = buf[i+1:]
	}
	l.partial[stream] = append([]byte(nil), buf...)
	return len(b), nil
}

func (l *containerLog) writeLineLocked(stream string, line []byte) {
	var out bytes.Buffer
	out.WriteString(l.now().UTC().Format(logs.RFC3339NanoFixed))
	out.WriteString(" " + stream + " " + string(runtimeapi.LogTagFull) + " ")
	out.Write(line)
	out.WriteByte('\n')
	l.f.Write(out.Bytes())
}

// Println writes one whole line to stdout: what a simulated process prints.
func (l *containerLog) Println(line string) {
	l.write("stdout", []byte(line+"\n"))
}

// Close ends the instance: a last line without newline is kept as a full line, as the
// runtime does when the stream ends.
func (l *containerLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	for _, stream := range []string{"stdout", "stderr"} {
		if len(l.partial[stream]) > 0 {
			l.writeLineLocked(stream, l.partial[stream])
		}
	}
	l.closed = true
	if l.onClose != nil {
		l.onClose()
	}
	return l.f.Close()
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
		return containerLogPath(k.cfg.StateDir, ns, name, string(sp.uid), container, restarts-1), nil
	}
	if !sp.started {
		return "", &logError{http.StatusBadRequest, fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", container, name)}
	}
	path := containerLogPath(k.cfg.StateDir, ns, name, string(sp.uid), container, restarts)
	if _, err := os.Stat(path); err != nil && restarts > 0 {
		// Waiting to restart (back-off, CrashLoopBackOff): kubelet shows the last instance.
		return containerLogPath(k.cfg.StateDir, ns, name, string(sp.uid), container, restarts-1), nil
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
	opts, err := decodeLogOptions(query)
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

// decodeLogOptions reads the v1.PodLogOptions query parameters kubelet takes.
func decodeLogOptions(q url.Values) (*v1.PodLogOptions, error) {
	opts := &v1.PodLogOptions{}
	ints := map[string]**int64{"tailLines": &opts.TailLines, "limitBytes": &opts.LimitBytes, "sinceSeconds": &opts.SinceSeconds}
	for name, field := range ints {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, err
			}
			*field = &n
		}
	}
	bools := map[string]*bool{"timestamps": &opts.Timestamps, "previous": &opts.Previous, "follow": &opts.Follow}
	for name, field := range bools {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, err
			}
			*field = b
		}
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, err
		}
		opts.SinceTime = &metav1.Time{Time: t}
	}
	return opts, nil
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
