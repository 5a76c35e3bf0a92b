package dns

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestResolvConfFollowsDNSPolicy(t *testing.T) {
	dns := ClusterDNS{Nameserver: "10.96.0.10", Domain: "cluster.local"}
	two := "2"
	pod := func(policy v1.DNSPolicy, hostNet bool, cfg *v1.PodDNSConfig) *v1.Pod {
		return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "live", Name: "p"},
			Spec: v1.PodSpec{DNSPolicy: policy, HostNetwork: hostNet, DNSConfig: cfg}}
	}
	clusterFirst := "search live.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
	for _, c := range []struct {
		name string
		pod  *v1.Pod
		dns  ClusterDNS
		want string // "" = the node's file stays
	}{
		{"no policy is ClusterFirst", pod("", false, nil), dns, clusterFirst},
		{"ClusterFirst", pod(v1.DNSClusterFirst, false, nil), dns, clusterFirst},
		{"no cluster DNS configured", pod(v1.DNSClusterFirst, false, nil), ClusterDNS{Domain: "cluster.local"}, ""},
		{"Default", pod(v1.DNSDefault, false, nil), dns, ""},
		{"ClusterFirst on the host network falls back to Default", pod(v1.DNSClusterFirst, true, nil), dns, ""},
		{"ClusterFirstWithHostNet", pod(v1.DNSClusterFirstWithHostNet, true, nil), dns, clusterFirst},
		{"dnsConfig adds to ClusterFirst, options override", pod(v1.DNSClusterFirst, false, &v1.PodDNSConfig{
			Nameservers: []string{"10.0.0.53"}, Searches: []string{"example.org"},
			Options: []v1.PodDNSConfigOption{{Name: "ndots", Value: &two}, {Name: "edns0"}},
		}), dns, "search live.svc.cluster.local svc.cluster.local cluster.local example.org\nnameserver 10.96.0.10\nnameserver 10.0.0.53\noptions ndots:2 edns0\n"},
		{"None takes dnsConfig alone", pod(v1.DNSNone, false, &v1.PodDNSConfig{Nameservers: []string{"10.0.0.53"}}), dns, "nameserver 10.0.0.53\n"},
	} {
		got, ok := ResolvConf(c.pod, c.dns)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.name, got, ok, c.want)
		}
	}
}
