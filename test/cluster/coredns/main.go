// Command coredns is CoreDNS (github.com/coredns/coredns) with only the plugins the local
// cluster's DNS uses, so it builds in a fraction of the time of the full server (which pulls
// in every cloud provider's SDK). cluster.sh runs it in the cluster's network namespace on the
// kube-dns Service's ClusterIP with the Corefile it writes (see test/cluster/README.md,
// "Cluster DNS").
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() {
	coremain.Run()
}
