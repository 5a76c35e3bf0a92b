// Package containerlog writes a container's output in the CRI log format, one file per
// container instance, where the kubelet's /containerLogs reads it.
package containerlog

import (
	"bytes"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
func Path(stateDir, ns, pod, uid, container string, instance int32) string {
	return filepath.Join(stateDir, "logs", ns+"_"+pod+"_"+uid, container, strconv.Itoa(int(instance))+".log")
}

// containerLog is the open log of one running container instance. Writers per stream cut
// the output into lines; a line is stamped when its end arrives.
type Log struct {
	mu      sync.Mutex
	F       *os.File
	Path    string
	Partial map[string][]byte
	closed  bool
	OnClose func()
	Now     func() time.Time
}

type logStream struct {
	l      *Log
	stream string
}

func (s logStream) Write(b []byte) (int, error) { return s.l.write(s.stream, b) }

// Stdout and Stderr are the container's two output streams.
func (l *Log) Stdout() io.Writer { return logStream{l, "stdout"} }
func (l *Log) Stderr() io.Writer { return logStream{l, "stderr"} }

func (l *Log) write(stream string, b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return len(b), nil
	}
	buf := append(l.Partial[stream], b...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		l.writeLineLocked(stream, buf[:i])
		buf = buf[i+1:]
	}
	l.Partial[stream] = append([]byte(nil), buf...)
	return len(b), nil
}

func (l *Log) writeLineLocked(stream string, line []byte) {
	var out bytes.Buffer
	out.WriteString(l.Now().UTC().Format(logs.RFC3339NanoFixed))
	out.WriteString(" " + stream + " " + string(runtimeapi.LogTagFull) + " ")
	out.Write(line)
	out.WriteByte('\n')
	l.F.Write(out.Bytes())
}

// Println writes one whole line to stdout: what a simulated process prints.
func (l *Log) Println(line string) {
	l.write("stdout", []byte(line+"\n"))
}

// Close ends the instance: a last line without newline is kept as a full line, as the
// runtime does when the stream ends.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	for _, stream := range []string{"stdout", "stderr"} {
		if len(l.Partial[stream]) > 0 {
			l.writeLineLocked(stream, l.Partial[stream])
		}
	}
	l.closed = true
	if l.OnClose != nil {
		l.OnClose()
	}
	return l.F.Close()
}

// decodeLogOptions reads the v1.PodLogOptions query parameters kubelet takes.
func DecodeOptions(q url.Values) (*v1.PodLogOptions, error) {
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
