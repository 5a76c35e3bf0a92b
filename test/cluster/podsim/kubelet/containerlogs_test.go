package kubelet

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cri-client/pkg/logs"
	"kubectl-srs.test/cluster/podsim/simsrs"
	"kubectl-srs.test/cluster/podsim/simtest"
)

// getLogs asks the kubelet server for a container log as the apiserver does.
func getLogs(t *testing.T, srv *httptest.Server, pod, container string, q url.Values) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + "/containerLogs/default/" + pod + "/" + container + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The query parameters kubelet takes, on a log written with known times.
func TestContainerLogsOptions(t *testing.T) {
	nginx := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-web"},
		Spec: v1.PodSpec{Containers: []v1.Container{{Name: "nginx", Image: "nginx"}}}}
	k, cs, _ := newFakeKubelet(t, nginx)
	simtest.Eventually(t, 3*time.Second, "web Running", func() bool {
		p, _ := getPod(cs, "web")
		return p != nil && p.Status.Phase == v1.PodRunning
	})
	srv := httptest.NewServer(k.streamingHandler())
	defer srv.Close()
	if code, body := getLogs(t, srv, "web", "nginx", nil); code != 200 || body != "" {
		t.Fatalf("a container that printed nothing: %d %q", code, body)
	}

	now := time.Now()
	stamps := []time.Time{now.Add(-3 * time.Hour), now.Add(-2 * time.Hour), now.Add(-time.Hour), now.Add(-10 * time.Second)}
	l, err := k.openContainerLog(k.lookup("default/web"), "nginx", 0)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	l.Now = func() time.Time { i++; return stamps[i-1] }
	io.WriteString(l.Stdout(), "one\nth")
	io.WriteString(l.Stderr(), "two\n") // a line is stamped when it ends: "two" before "three"
	io.WriteString(l.Stdout(), "ree\nfour")
	l.Close() // the unterminated last line is kept

	for _, c := range []struct {
		query url.Values
		want  string
	}{
		{nil, "one\ntwo\nthree\nfour\n"},
		{url.Values{"tailLines": {"2"}}, "three\nfour\n"},
		{url.Values{"tail": {"1"}}, "four\n"},
		{url.Values{"sinceSeconds": {"1800"}}, "four\n"},
		{url.Values{"sinceTime": {stamps[1].Add(time.Second).UTC().Format(time.RFC3339)}}, "three\nfour\n"},
		{url.Values{"sinceTime": {stamps[1].Add(-time.Second).UTC().Format(time.RFC3339)}}, "two\nthree\nfour\n"},
		{url.Values{"timestamps": {"true"}, "tailLines": {"1"}}, stamps[3].UTC().Format(logs.RFC3339NanoFixed) + " four\n"},
		{url.Values{"limitBytes": {"6"}}, "one\ntw"},
		{url.Values{"follow": {"true"}}, "one\ntwo\nthree\nfour\n"}, // the container is not running: ends at once
	} {
		if code, body := getLogs(t, srv, "web", "nginx", c.query); code != 200 || body != c.want {
			t.Errorf("%v: %d %q, want %q", c.query, code, body, c.want)
		}
	}
	for _, c := range []struct {
		pod, container string
		query          url.Values
		code           int
		want           string
	}{
		{"web", "nginx", url.Values{"previous": {"true"}}, 400, `previous terminated container "nginx" in pod "web" not found`},
		{"web", "php", nil, 404, `container "php" not found in pod "web"`},
		{"gone", "nginx", nil, 404, `pod "gone" does not exist`},
		{"web", "nginx", url.Values{"tailLines": {"-1"}}, 422, `{"message": "Invalid request."}`},
	} {
		if code, body := getLogs(t, srv, c.pod, c.container, c.query); code != c.code || strings.TrimSpace(body) != c.want {
			t.Errorf("%s/%s %v: %d %q, want %d %q", c.pod, c.container, c.query, code, body, c.code, c.want)
		}
	}
}

// A simulated SRS prints what a real one prints to the console: at start, on reload, on a
// graceful quit; after a restart, previous=true gives the instance before.
func TestContainerLogsOfSimulatedSRS(t *testing.T) {
	simsrs.ShortDelays(t)
	conf := strings.Replace(simtest.SeedEdgeConf, "daemon              off;", "daemon off; grace_start_wait 10; grace_final_wait 10;", 1)
	k, cs, reg := newFakeKubelet(t, edgeConfigMap(conf), srsPod("edge-l", "ossrs/srs:6", 30))
	var pod *v1.Pod
	simtest.Eventually(t, 3*time.Second, "Ready", func() bool {
		pod, _ = getPod(cs, "edge-l")
		return pod != nil && podReady(pod)
	})
	e, ok := reg.Lookup(pod.Status.PodIP, 1985)
	if !ok {
		t.Fatal("no API endpoint")
	}
	srv := httptest.NewServer(k.streamingHandler())
	defer srv.Close()
	if _, body := getLogs(t, srv, "edge-l", "srs", nil); !strings.Contains(body, "][INFO][") || !strings.Contains(body, "XCORE-SRS/6.") {
		t.Fatalf("start: %q", body)
	}

	// follow streams the reload as it happens.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/containerLogs/default/edge-l/srs?follow=true&timestamps=true", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	e.Proc.Signal("HUP")
	deadline := time.After(5 * time.Second)
	for seen := false; !seen; {
		select {
		case line := <-lines:
			if strings.HasSuffix(line, "reload config success, state=90.") {
				if _, err := time.Parse(time.RFC3339Nano, strings.Fields(line)[0]); err != nil {
					t.Fatalf("no RFC3339Nano timestamp on %q", line)
				}
				seen = true
			}
		case <-deadline:
			t.Fatal("the followed log did not show the reload")
		}
	}
	cancel()

	// A graceful quit ends the instance; the container restarts with a new one.
	e.Proc.Signal("QUIT")
	simtest.Eventually(t, 5*time.Second, "restartCount 1", func() bool {
		p, _ := getPod(cs, "edge-l")
		return p != nil && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount == 1 && podReady(p)
	})
	code, prev := getLogs(t, srv, "edge-l", "srs", url.Values{"previous": {"true"}})
	if code != 200 {
		t.Fatalf("previous: %d %q", code, prev)
	}
	for _, want := range []string{"XCORE-SRS/6.", "reload config success, state=90.", "sig=3, user start gracefully quit", "cleanup for quit signal fast=0, grace=1", "srs terminated"} {
		if !strings.Contains(prev, want) {
			t.Errorf("previous instance lacks %q:\n%s", want, prev)
		}
	}
	if _, cur := getLogs(t, srv, "edge-l", "srs", nil); !strings.Contains(cur, "XCORE-SRS/6.") || strings.Contains(cur, "sig=3") {
		t.Errorf("current instance:\n%s", cur)
	}
}
