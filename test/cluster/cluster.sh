#!/usr/bin/env bash
# The local Kubernetes control plane for tests and the demo:
#   cluster.sh up      build what is missing, start everything, wait until ready (idempotent)
#   cluster.sh down    stop everything and remove the cluster state (idempotent)
#   cluster.sh status  say what runs
#   cluster.sh restart-apiserver [SECONDS]
#                      stop kube-apiserver alone, keep it down SECONDS (default 0), start it
#                      again and wait until it is ready (control-plane fault tests)
#
# Real etcd, kube-apiserver and kube-controller-manager (built from Go modules by
# test/cluster/ctrlplane), CoreDNS as the cluster DNS (test/cluster/coredns) plus podsim,
# which plays kubelet with a simulated SRS in every pod.
# All of them run inside a network namespace of their own, where 10.244.0.0/16 is routed
# locally: pod addresses never exist in the host namespace. The host reaches the apiserver
# through hostfwd on a loopback port. Needs root (ip netns), as CI has.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC="$ROOT/test/cluster"
STATE="${SRS_K8S_STATE:-$ROOT/.cluster}"
BIN="$STATE/bin"
NETNS="${SRS_K8S_NETNS:-srsk8s}"
HOST_PORT="${SRS_K8S_PORT:-16443}"
TOKEN=admin-token-kubectl-srs
# the kube-dns Service's ClusterIP (kubeadm's choice in the service range) and the cluster
# domain, as kubelet's --cluster-dns / --cluster-domain
CLUSTER_DNS=10.96.0.10
CLUSTER_DOMAIN=cluster.local
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { printf 'cluster: error: %s\n' "$*" >&2; exit 1; }

in_ns() { ip netns exec "$NETNS" "$@"; }

# go build only when a source file is newer than the binary (the Go build cache makes a
# rebuild cheap anyway, but linking the control plane still takes a while).
# A package with a go.mod of its own (coredns/) is built as that module.
build() {
  local name=$1 pkg=$2 out="$BIN/$1" dir=$SRC target="./$2"
  if [[ -f "$SRC/$pkg/go.mod" ]]; then dir="$SRC/$pkg" target=.; fi
  if [[ -x "$out" ]] && [[ -z "$(find "$SRC/$pkg" "$dir/go.mod" "$dir/go.sum" -newer "$out" -name '*.go' -o -newer "$out" -name 'go.*' 2>/dev/null | head -n1)" ]]; then
    return
  fi
  log "building $name (the first build of the control plane takes several minutes)"
  local t0=$SECONDS
  if ! (cd "$dir" && go build -o "$out.tmp" "$target"); then
    rm -f "$out.tmp"
    die "building $name failed"
  fi
  mv "$out.tmp" "$out"
  REBUILT=1
  log "built $name in $((SECONDS - t0))s"
}

pidfile() { echo "$STATE/run/$1.pid"; }
running() { local p; p=$(cat "$(pidfile "$1")" 2>/dev/null) && kill -0 "$p" 2>/dev/null; }

# start NAME CMD...: run detached (own session, output to a log), remember the pid.
start() {
  local name=$1; shift
  if running "$name"; then return; fi
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$(pidfile "$name")"
}

wait_for() { # wait_for WHAT SECONDS CMD...
  local what=$1 limit=$2; shift 2
  local t0=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - t0 > limit)); then die "$what not ready after ${limit}s (logs in $STATE/logs)"; fi
    sleep 0.3
  done
}

setup_netns() {
  if ! ip netns list | grep -qw "$NETNS"; then
    ip netns add "$NETNS"
  fi
  ip -n "$NETNS" link set lo up
  ip -n "$NETNS" route replace local 10.244.0.0/16 dev lo
  # the cluster DNS listens on the kube-dns ClusterIP, local to the namespace; real SRS pods
  # (own namespaces, default route via the node IP) reach it through the cluster namespace
  ip -n "$NETNS" addr replace "$CLUSTER_DNS/32" dev lo
}

# kube-dns holds the DNS ClusterIP, so no other Service gets it and pods find it as in a real
# cluster (no selector: CoreDNS is a process here, not a pod). A second POST would get 422
# (the IP is allocated) rather than 409, so an existing one is looked up first.
create_kube_dns_service() {
  local api="https://127.0.0.1:$HOST_PORT/api/v1/namespaces/kube-system/services" code
  curl -sfk -o /dev/null --max-time 5 -H "Authorization: Bearer $TOKEN" "$api/kube-dns" && return
  code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 -X POST \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    "$api" --data-binary @- <<EOF
{"apiVersion": "v1", "kind": "Service",
 "metadata": {"name": "kube-dns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}},
 "spec": {"clusterIP": "$CLUSTER_DNS", "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]}}
EOF
  )
  [[ $code == 201 || $code == 409 ]]
}

# CoreDNS with the kubernetes plugin, as a cluster's kube-dns: Service names and headless
# pod.subdomain names (srs-origin-0.socs.default.svc.cluster.local) from the apiserver.
# Nothing outside the cluster domain is forwarded: the namespace has no way out anyway.
start_coredns() {
  mkdir -p "$STATE/coredns"
  cat >"$STATE/coredns/Corefile" <<EOF
.:53 {
    bind $CLUSTER_DNS
    errors
    ready $CLUSTER_DNS:8181
    kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
        kubeconfig $STATE/inner.kubeconfig srs-local
        pods insecure
    }
}
EOF
  start coredns ip netns exec "$NETNS" "$BIN/coredns" -conf "$STATE/coredns/Corefile"
  wait_for kube-dns-service 60 create_kube_dns_service
  wait_for coredns 60 in_ns curl -sf --max-time 2 "http://$CLUSTER_DNS:8181/ready"
}

setup_pki() {
  mkdir -p "$STATE/pki"
  [[ -f "$STATE/pki/sa.key" ]] || openssl genrsa -out "$STATE/pki/sa.key" 2048 2>/dev/null
  # token,user,uid,"groups": the admin is in system:masters, which RBAC lets do anything.
  printf '%s,admin,admin,"system:masters"\n' "$TOKEN" >"$STATE/pki/tokens.csv"
  # Client certificates, as kind, k3s and kubeadm kubeconfigs use: a CA the apiserver trusts
  # (--client-ca-file) and one user it signed, cert-admin in system:masters (the O field).
  if [[ ! -f "$STATE/pki/client-ca.crt" ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=srs-local-client-ca" \
      -keyout "$STATE/pki/client-ca.key" -out "$STATE/pki/client-ca.crt" 2>/dev/null
  fi
  if [[ ! -f "$STATE/pki/cert-admin.crt" ]]; then
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=cert-admin" \
      -keyout "$STATE/pki/cert-admin.key" -out "$STATE/pki/cert-admin.csr" 2>/dev/null
    openssl x509 -req -in "$STATE/pki/cert-admin.csr" -CA "$STATE/pki/client-ca.crt" -CAkey "$STATE/pki/client-ca.key" \
      -CAcreateserial -days 3650 -out "$STATE/pki/cert-admin.crt" 2>/dev/null
  fi
}

write_kubeconfig() { # write_kubeconfig FILE SERVER
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: srs-local
  cluster:
    server: $2
    certificate-authority: $STATE/pki/apiserver.crt
users:
- name: admin
  user:
    token: $TOKEN
contexts:
- name: srs-local
  context:
    cluster: srs-local
    user: admin
    namespace: default
current-context: srs-local
EOF
}

apiserver_ready() { curl -sfk --max-time 2 -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$HOST_PORT/readyz"; }

# API Priority and Fairness is on, as in any real cluster: the admin (system:masters: tests,
# podsim, KCM) is exempt, and a test can make the apiserver answer 429 to a user of its own
# through a FlowSchema and a PriorityLevelConfiguration with limitResponse Reject.
start_apiserver() {
  start kube-apiserver ip netns exec "$NETNS" "$BIN/ctrlplane" kube-apiserver \
    --etcd-servers http://127.0.0.1:2379 \
    --bind-address 127.0.0.1 --secure-port 6443 --advertise-address 127.0.0.1 \
    --cert-dir "$STATE/pki" --token-auth-file "$STATE/pki/tokens.csv" \
    --client-ca-file "$STATE/pki/client-ca.crt" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$STATE/pki/sa.key" --service-account-signing-key-file "$STATE/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --disable-admission-plugins ServiceAccount \
    --endpoint-reconciler-type none --allow-privileged \
    --max-requests-inflight 2000 --max-mutating-requests-inflight 1000 \
    --enable-priority-and-fairness=true \
    --kubelet-preferred-address-types InternalIP \
    --shutdown-delay-duration 0s --v 0
}

up() {
  [[ $EUID -eq 0 ]] || die "needs root for the network namespace (run with sudo)"
  command -v go >/dev/null || die "Go is not installed"
  mkdir -p "$BIN" "$STATE/logs" "$STATE/run" "$STATE/etcd"
  build ctrlplane ctrlplane
  build hostfwd hostfwd
  build coredns coredns
  # SRS_K8S_NO_PODSIM=1 starts the control plane alone (for work on the simulator itself)
  if [[ -z "${SRS_K8S_NO_PODSIM:-}" ]]; then
    REBUILT=0
    build podsim podsim
    # a simulator rebuilt, or started with another real-SRS mapping, is replaced
    if running podsim && { ((REBUILT)) || [[ "$(cat "$STATE/run/podsim.real-srs" 2>/dev/null)" != "${SRS_K8S_REAL_SRS:-}" ]]; }; then
      stop_one podsim; stop_real_srs; rm -f "$STATE/podsim/ready"
    fi
  fi

  local t0=$SECONDS
  setup_netns
  setup_pki

  start etcd ip netns exec "$NETNS" "$BIN/ctrlplane" etcd \
    --name srsk8s --data-dir "$STATE/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster srsk8s=http://127.0.0.1:2380 \
    --unsafe-no-fsync --log-level warn --quota-backend-bytes 4294967296
  wait_for etcd 60 in_ns curl -sf --max-time 2 http://127.0.0.1:2379/health

  start_apiserver
  start hostfwd "$BIN/hostfwd" --listen "127.0.0.1:$HOST_PORT" --netns "/run/netns/$NETNS" --target 127.0.0.1:6443
  wait_for kube-apiserver 120 apiserver_ready

  write_kubeconfig "$STATE/inner.kubeconfig" https://127.0.0.1:6443
  write_kubeconfig "$STATE/kubeconfig" "https://127.0.0.1:$HOST_PORT"

  start kube-controller-manager ip netns exec "$NETNS" "$BIN/ctrlplane" kube-controller-manager \
    --kubeconfig "$STATE/inner.kubeconfig" \
    --authentication-kubeconfig "$STATE/inner.kubeconfig" --authorization-kubeconfig "$STATE/inner.kubeconfig" \
    --leader-elect=false --use-service-account-credentials=false \
    --bind-address 127.0.0.1 --secure-port 10257 \
    --controllers deployment-controller,replicaset-controller,statefulset-controller,job-controller,cronjob-controller,garbage-collector-controller,namespace-controller,endpoints-controller,endpointslice-controller,endpointslice-mirroring-controller,ttl-after-finished-controller,pod-garbage-collector-controller,serviceaccount-controller,disruption-controller,horizontal-pod-autoscaler-controller \
    --kube-api-qps 500 --kube-api-burst 1000 \
    --concurrent-deployment-syncs 10 --concurrent-replicaset-syncs 10 --concurrent-statefulset-syncs 10 \
    --v 0
  wait_for kube-controller-manager 60 in_ns curl -sfk --max-time 2 https://127.0.0.1:10257/healthz
  start_coredns

  if [[ -z "${SRS_K8S_NO_PODSIM:-}" ]]; then
    mkdir -p "$STATE/podsim"
    # SRS_K8S_REAL_SRS=IMAGE=BUILD_DIR,...: SRS pods of these images run a real SRS build
    printf '%s' "${SRS_K8S_REAL_SRS:-}" >"$STATE/run/podsim.real-srs"
    start podsim ip netns exec "$NETNS" "$BIN/podsim" --kubeconfig "$STATE/inner.kubeconfig" --state-dir "$STATE/podsim" --log "$STATE/logs/podsim.log" \
      --real-srs "${SRS_K8S_REAL_SRS:-}" --cluster-dns "$CLUSTER_DNS" --cluster-domain "$CLUSTER_DOMAIN"
    # podsim exits at once on bad input (an SRS_K8S_REAL_SRS entry without objs/srs...): say why
    wait_for podsim 60 bash -c "[[ -f '$STATE/podsim/ready' ]] || grep -q 'podsim ready' '$STATE/logs/podsim.log' || ! kill -0 \$(cat '$(pidfile podsim)')"
    running podsim || die "podsim stopped: $(tail -n 3 "$STATE/logs/podsim.log")"
  fi
  log "ready in $((SECONDS - t0))s: export KUBECONFIG=$STATE/kubeconfig"
}

stop_one() {
  local p
  if p=$(cat "$(pidfile "$1")" 2>/dev/null) && kill -0 "$p" 2>/dev/null; then
    kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  fi
  rm -f "$(pidfile "$1")"
}

# Real SRS processes (SRS_K8S_REAL_SRS) run in network namespaces of their own, so `ip netns
# pids` does not see them. podsim kills them when it stops and the kernel does when podsim
# dies; this catches what is left, by pid file, only if the process still carries podsim's mark.
stop_real_srs() {
  local f p
  for f in "$STATE"/podsim/pods/*/*/srs.pid; do
    [[ -f "$f" ]] || continue
    p=$(cat "$f" 2>/dev/null) || continue
    if [[ "$p" =~ ^[0-9]+$ ]] && grep -qz '^PODSIM_POD_UID=' "/proc/$p/environ" 2>/dev/null; then
      kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
    fi
  done
}

down() {
  local name
  for name in podsim coredns kube-controller-manager kube-apiserver hostfwd etcd; do stop_one "$name"; done
  stop_real_srs
  if ip netns list 2>/dev/null | grep -qw "$NETNS"; then
    # anything still inside the namespace (a stray simulator child) goes too
    ip netns pids "$NETNS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns delete "$NETNS"
  fi
  # state goes; build outputs in bin/ stay so the next `up` is quick
  if [[ -d "$STATE" ]]; then
    find "$STATE" -mindepth 1 -maxdepth 1 ! -name bin -exec rm -rf {} +
  fi
  log "stopped"
}

restart_apiserver() { # restart_apiserver SECONDS_DOWN
  local down=${1:-0}
  [[ $down =~ ^[0-9]+([.][0-9]+)?$ ]] || die "restart-apiserver: SECONDS must be a number, not '$down'"
  running kube-apiserver || die "kube-apiserver is not running (cluster.sh up first)"
  local t0=$SECONDS
  stop_one kube-apiserver
  log "kube-apiserver stopped; starting it again in ${down}s"
  sleep "$down"
  start_apiserver
  wait_for kube-apiserver 120 apiserver_ready
  log "kube-apiserver ready again after $((SECONDS - t0))s"
}

status() {
  local name
  for name in etcd kube-apiserver hostfwd kube-controller-manager coredns podsim; do
    if running "$name"; then echo "$name: running (pid $(cat "$(pidfile "$name")"))"; else echo "$name: stopped"; fi
  done
  apiserver_ready >/dev/null 2>&1 && echo "apiserver: ready at https://127.0.0.1:$HOST_PORT (KUBECONFIG=$STATE/kubeconfig)" || echo "apiserver: not ready"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  restart-apiserver) restart_apiserver "${2:-0}" ;;
  *) echo "usage: $0 up|down|status|restart-apiserver [SECONDS]" >&2; exit 2 ;;
esac
