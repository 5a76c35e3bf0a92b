// Command podsim plays kubelet for the test control plane: it keeps one Node, binds and
// runs every pod on it, and simulates SRS inside every SRS pod, reachable through the
// apiserver's pod proxy. See test/cluster/README.md, section "podsim".
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"kubectl-srs.test/cluster/podsim/control"
	"kubectl-srs.test/cluster/podsim/dns"
	"kubectl-srs.test/cluster/podsim/ipam"
	"kubectl-srs.test/cluster/podsim/kubelet"
	"kubectl-srs.test/cluster/podsim/realsrs"
	"kubectl-srs.test/cluster/podsim/simsrs"
)

func main() {
	if realsrs.IsStandalone(os.Args) {
		os.Exit(realsrs.RunStandalone(os.Args[1:]))
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "podsim:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		kubeconfig  = flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the apiserver (admin)")
		stateDir    = flag.String("state-dir", ".cluster/podsim", "where projected volumes, loaded configs and the ready file go")
		logPath     = flag.String("log", "", "log file (default: stderr)")
		nodeName    = flag.String("node-name", "sim-node", "name of the simulated node")
		nodeIP      = flag.String("node-ip", "10.244.0.1", "InternalIP of the node (inside the netns only)")
		kubeletPort = flag.Int("kubelet-port", 10250, "port of the kubelet streaming server (port-forward) on the node IP; 0: off")
		podCIDR     = flag.String("pod-cidr", "10.244.0.0/16", "pod IPs come from here (must be local to the netns)")
		listenHost  = flag.String("listen-host", "0.0.0.0", "host the simulated SRS ports listen on")
		controlAddr = flag.String("control-listen", "127.0.0.1:19850", "harness control endpoint (empty: off)")
		timeScale   = flag.Float64("time-scale", 1.0, "multiplies termination grace periods")
		syncDelay   = flag.Duration("kubelet-sync-delay", 2*time.Second, "delay before a ConfigMap change reaches projected volumes")
		startDelay  = flag.Duration("start-delay", 0, "delay between pod creation and container start (annotation sim.srs.test/start-delay-ms overrides)")
		workers     = flag.Int("workers", 16, "parallel pod syncs")
		qps         = flag.Float64("qps", 300, "client QPS to the apiserver")
		burst       = flag.Int("burst", 600, "client burst to the apiserver")
		realSRS     = flag.String("real-srs", os.Getenv("SRS_K8S_REAL_SRS"), "IMAGE=BUILD_DIR,...: SRS containers of these images run BUILD_DIR/objs/srs instead of the simulation")
	)
	// kubelet's flags of the same names (cluster.sh runs CoreDNS there)
	clusterDNSIP := flag.String("cluster-dns", "", "IP of the cluster DNS written to /etc/resolv.conf of pods that run a real process (Job pods, real SRS); empty: the machine's resolv.conf")
	clusterDomain := flag.String("cluster-domain", "cluster.local", "cluster domain of the search path in the pods' resolv.conf")
	flag.Parse()

	logger, err := openLog(*logPath)
	if err != nil {
		return err
	}
	logf := logger.Printf

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst, cfg.UserAgent = float32(*qps), *burst, "podsim"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*stateDir, 0o755); err != nil {
		return err
	}
	readyFile := filepath.Join(*stateDir, "ready")
	os.Remove(readyFile)

	realMap, err := realsrs.ParseMap(*realSRS)
	if err != nil {
		return err
	}
	if !realMap.Empty() {
		// real SRS pods reach other pods (simulated ones are local here) through this namespace
		if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
			return fmt.Errorf("real SRS mode: enable forwarding: %w", err)
		}
		logf("real SRS builds: %s", realMap)
	}

	ips, err := ipam.NewPool(*podCIDR)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	node := kubelet.NodeInfo{Name: *nodeName, IP: *nodeIP, KubeletPort: int32(*kubeletPort)}
	if err := kubelet.EnsureNode(ctx, cs, node); err != nil {
		return fmt.Errorf("node %s: %w", *nodeName, err)
	}
	go kubelet.NodeHeartbeat(ctx, cs, node, logf)

	reg := simsrs.NewRegistry(*listenHost, logf)
	defer reg.Close()
	factory := informers.NewSharedInformerFactory(cs, 0)
	k := kubelet.New(cs, factory, kubelet.Config{
		NodeName: *nodeName, NodeIP: *nodeIP, StateDir: *stateDir, TimeScale: *timeScale,
		SyncDelay: *syncDelay, StartDelay: *startDelay, Workers: *workers, RealSRS: realMap,
		DNS: dns.ClusterDNS{Nameserver: *clusterDNSIP, Domain: *clusterDomain},
	}, ips, reg, logf)
	factory.Start(ctx.Done())
	if err := k.Run(ctx); err != nil {
		return err
	}
	if *kubeletPort > 0 {
		srv, err := k.ServeStreaming(net.JoinHostPort(*nodeIP, strconv.Itoa(*kubeletPort)))
		if err != nil {
			return fmt.Errorf("kubelet streaming server: %w", err)
		}
		defer srv.Close()
	}
	if *controlAddr != "" {
		ln, err := net.Listen("tcp", *controlAddr)
		if err != nil {
			return fmt.Errorf("control endpoint: %w", err)
		}
		srv := &http.Server{Handler: control.Handler(k)}
		go srv.Serve(ln)
		defer srv.Close()
	}
	os.WriteFile(readyFile, []byte(time.Now().Format(time.RFC3339)+"\n"), 0o644)
	fmt.Println("podsim ready")
	logf("podsim ready: node %s (%s, kubelet port %d), pods from %s, control %s", *nodeName, *nodeIP, *kubeletPort, *podCIDR, *controlAddr)
	<-ctx.Done()
	logf("podsim stopping")
	k.StopAllReal()
	return nil
}

// openLog appends to path. When stdout already goes to that file (cluster.sh redirects
// podsim's output to the same log), it logs to stdout instead, so lines do not clobber
// each other.
func openLog(path string) (*log.Logger, error) {
	flags := log.LstdFlags | log.Lmicroseconds
	if path == "" {
		return log.New(os.Stderr, "", flags), nil
	}
	if st, err := os.Stdout.Stat(); err == nil {
		if fst, err := os.Stat(path); err == nil && os.SameFile(st, fst) {
			return log.New(os.Stdout, "", flags), nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return log.New(io.MultiWriter(f), "", flags), nil
}
