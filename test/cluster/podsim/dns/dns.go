// Package dns builds a pod's /etc/resolv.conf from its dnsPolicy and dnsConfig and the
// cluster DNS, for the pods that run a real process (Job pods, real SRS).
package dns

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	"kubectl-srs.test/cluster/podsim/hostexec"
)

// clusterDNS is kubelet's --cluster-dns / --cluster-domain: the resolver that pods running a
// real process (Job pods with a shell image, real SRS builds) get in /etc/resolv.conf.
// cluster.sh runs CoreDNS on the kube-dns Service's ClusterIP inside the cluster's network
// namespace. An empty Nameserver leaves the machine's /etc/resolv.conf as it is.
type ClusterDNS struct {
	Nameserver string // e.g. 10.96.0.10
	Domain     string // e.g. cluster.local
}

// resolvConf is the resolv.conf kubelet writes for the pod (dnsPolicy and dnsConfig as in
// kubelet's pkg/kubelet/network/dns): ClusterFirst (the default) gives the cluster resolver
// with the search path <ns>.svc.<domain> svc.<domain> <domain> and ndots:5, so
// `srs-origin-0.socs` and `socs` resolve from the pod's namespace; Default (and ClusterFirst
// on the host network) keeps the node's file; None takes dnsConfig alone. dnsConfig's
// nameservers, searches and options are added to the ClusterFirst ones. ok is false when the
// node's file stays.
func ResolvConf(pod *v1.Pod, dns ClusterDNS) (content string, ok bool) {
	var servers, searches []string
	options := map[string]string{}
	var optionOrder []string
	setOption := func(name, value string) {
		if _, seen := options[name]; !seen {
			optionOrder = append(optionOrder, name)
		}
		options[name] = value
	}
	switch pod.Spec.DNSPolicy {
	case v1.DNSNone:
	case v1.DNSDefault:
		return "", false
	case v1.DNSClusterFirstWithHostNet, v1.DNSClusterFirst, "":
		if dns.Nameserver == "" || (pod.Spec.HostNetwork && pod.Spec.DNSPolicy != v1.DNSClusterFirstWithHostNet) {
			return "", false
		}
		servers = []string{dns.Nameserver}
		searches = []string{pod.Namespace + ".svc." + dns.Domain, "svc." + dns.Domain, dns.Domain}
		setOption("ndots", "5")
	default:
		return "", false
	}
	if c := pod.Spec.DNSConfig; c != nil {
		servers = append(servers, c.Nameservers...)
		searches = append(searches, c.Searches...)
		for _, o := range c.Options {
			value := ""
			if o.Value != nil {
				value = *o.Value
			}
			setOption(o.Name, value)
		}
	}
	if len(servers) == 0 && len(searches) == 0 && len(optionOrder) == 0 {
		return "", false
	}
	var b strings.Builder
	if len(searches) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(searches, " "))
	}
	for _, s := range servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	if len(optionOrder) > 0 {
		opts := make([]string, 0, len(optionOrder))
		for _, name := range optionOrder {
			if v := options[name]; v != "" {
				opts = append(opts, name+":"+v)
			} else {
				opts = append(opts, name)
			}
		}
		fmt.Fprintf(&b, "options %s\n", strings.Join(opts, " "))
	}
	return b.String(), true
}

// resolvConfMount writes the pod's resolv.conf into dir and returns the bind mount that puts
// it on /etc/resolv.conf in the process's mount namespace; nil when the node's file stays.
func ResolvConfMount(pod *v1.Pod, dns ClusterDNS, dir string) (*hostexec.BindMount, error) {
	content, ok := ResolvConf(pod, dns)
	if !ok {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		return nil, err
	}
	return &hostexec.BindMount{Src: file, Dst: "/etc/resolv.conf", ReadOnly: true}, nil
}
