#!/usr/bin/env bash
# The README's demo command: sets everything up on a fresh machine, starts the local Kubernetes
# control plane with simulated SRS pods, applies the SRS guide's origin cluster + edge cluster,
# and runs kubectl srs against it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NS=srs-demo

bash scripts/install-system-deps.sh
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run --silent build
bash test/cluster/cluster.sh up

export KUBECONFIG="$ROOT/.cluster/kubeconfig" PATH="$ROOT/bin:$PATH"
kubectl get namespace "$NS" >/dev/null 2>&1 || kubectl create namespace "$NS" >/dev/null
kubectl apply -n "$NS" -f test/topologies/origin-cluster.yaml -f test/topologies/edge-cluster.yaml >/dev/null
echo "demo: applied the origin cluster (srs-origin x3, socs) and the edges (srs-edge-deploy) to namespace $NS" >&2

# Wait until every SRS pod answers through the pod proxy.
for _ in $(seq 1 120); do
  if kubectl srs status -n "$NS" -o json >/dev/null 2>&1; then break; fi
  sleep 1
done

# Some traffic, so the table has something to show: a publisher on the first origin, players on the edges.
first_origin=srs-origin-0
kubectl annotate --overwrite -n "$NS" pod "$first_origin" sim.srs.test/streams=live/livestream sim.srs.test/connections=3 sim.srs.test/kbps=380 >/dev/null
n=7
for pod in $(kubectl get pods -n "$NS" -l app=srs-edge -o jsonpath='{.items[*].metadata.name}'); do
  kubectl annotate --overwrite -n "$NS" pod "$pod" sim.srs.test/streams=live/livestream sim.srs.test/connections=$n >/dev/null
  n=$((n + 5))
done
sleep 2

echo
echo "\$ kubectl srs status -n $NS"
kubectl srs status -n "$NS" || true
cat <<MSG

The cluster keeps running. To go on using it:
  export KUBECONFIG=$ROOT/.cluster/kubeconfig PATH=$ROOT/bin:\$PATH
  kubectl srs status -n $NS -o wide
  kubectl srs --help
To stop it and remove its state:
  npm run cluster:down
MSG
