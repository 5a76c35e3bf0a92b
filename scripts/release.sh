#!/usr/bin/env bash
# The release, tested: build it from a fresh clone of HEAD, install it with real krew (built from
# its Go module) from the generated manifest into a temporary KREW_ROOT, run `kubectl srs
# --version` and `kubectl srs status` through the installed plugin against the local cluster
# (test/cluster), then uninstall. test/e2e/release.test.ts runs this.
#
#   bash scripts/release.sh                          builds and installs the linux-amd64 executable
#   SRS_RELEASE_TARGETS=all bash scripts/release.sh  builds all four; krew also installs every other
#                                                    platform entry (KREW_OS/KREW_ARCH), which checks
#                                                    each entry's sha256 and bin against its archive
#
# Environment: KUBECONFIG (default .cluster/kubeconfig); SRS_RELEASE_REPORT=FILE writes what was
# checked as JSON; SRS_RELEASE_STRICT=1 fails when the committed krew-manifest.yaml does not match
# the archives built from HEAD (otherwise a warning). The Node binaries come from the npm registry
# (scripts/release.mjs --fetch-node) and krew from the Go module proxy, both cached under
# ~/.cache/kubectl-srs-release, so only the first run downloads. The clone uses this tree's
# node_modules (linked, not reinstalled): it tests the committed sources, not the dependency install.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export KUBECONFIG=${KUBECONFIG:-$ROOT/.cluster/kubeconfig}
KREW_VERSION=v0.4.3
KREW_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-srs-release/krew-$KREW_VERSION
TARGETS=${SRS_RELEASE_TARGETS:-linux-amd64}
[[ $TARGETS == all ]] && TARGETS=linux-amd64,linux-arm64,darwin-amd64,windows-amd64
WORK=$(mktemp -d /tmp/srs-release.XXXXXX)
NS=release-$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')

say() { printf 'release-test: %s\n' "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }
cleanup() {
  kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

head=$(git -C "$ROOT" rev-parse HEAD)
say "fresh clone of ${head:0:12} in $WORK/src"
git clone --quiet --no-hardlinks "$ROOT" "$WORK/src"
git -C "$WORK/src" checkout --quiet --detach "$head"
ln -s "$ROOT/node_modules" "$WORK/src/node_modules"
cd "$WORK/src"

t0=$SECONDS
node scripts/release.mjs --fetch-node --targets "$TARGETS"
node scripts/krew-manifest.mjs --out "$WORK/srs.yaml" --base-url "file://$WORK/src/release/"
say "built $TARGETS in $((SECONDS - t0))s"

if [[ ! -x $KREW_CACHE/kubectl-krew ]]; then
  say "building krew $KREW_VERSION from its Go module"
  mkdir -p "$KREW_CACHE"
  GOBIN=$KREW_CACHE go install "sigs.k8s.io/krew/cmd/krew@$KREW_VERSION"
  mv "$KREW_CACHE/krew" "$KREW_CACHE/kubectl-krew"
fi

# Only krew's bin and the krew binary: the working tree's bin/kubectl-srs must not answer for the
# installed one.
BASE_PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vx "$ROOT/bin" | paste -sd:)
krew_root() { # a fresh KREW_ROOT with an empty index (uninstall and list want one; this keeps krew from fetching the real index)
  mkdir -p "$1/index/default/plugins"
  git -C "$1/index/default" init --quiet
}
archive_of() { node -p 'const [m, os, arch] = process.argv.slice(1); const p = require("yaml").parse(require("fs").readFileSync(m, "utf8")).spec.platforms.find((x) => x.selector.matchLabels.os === os && x.selector.matchLabels.arch === arch); p ? decodeURI(p.uri.replace(/^file:\/\//, "")) : ""' "$@"; }
sha_of() { node -p 'const [m, os, arch] = process.argv.slice(1); const p = require("yaml").parse(require("fs").readFileSync(m, "utf8")).spec.platforms.find((x) => x.selector.matchLabels.os === os && x.selector.matchLabels.arch === arch); p ? p.sha256 : ""' "$@"; }

# Every other platform entry, installed by krew as that platform would (nothing runs: it checks the
# selector, the sha256 against the archive and that the archive holds the entry's bin).
others=()
for platform in linux/arm64 darwin/amd64 darwin/arm64 windows/amd64; do
  archive=$(archive_of "$WORK/srs.yaml" "${platform%/*}" "${platform#*/}")
  [[ -n $archive ]] || continue
  root=$WORK/krew-${platform/\//-}
  krew_root "$root"
  KREW_ROOT=$root KREW_OS=${platform%/*} KREW_ARCH=${platform#*/} PATH=$KREW_CACHE:$BASE_PATH \
    kubectl krew install --manifest="$WORK/srs.yaml" --archive="$archive" >"$WORK/install-${platform/\//-}.log" 2>&1 ||
    { cat "$WORK/install-${platform/\//-}.log" >&2; die "krew install for $platform"; }
  ls "$root/store/srs/"*/kubectl-srs* >/dev/null || die "krew installed no kubectl-srs for $platform"
  others+=("$platform")
  say "krew install for $platform ($(basename "$archive")): ok"
done

export KREW_ROOT=$WORK/krew
export PATH=$KREW_ROOT/bin:$KREW_CACHE:$BASE_PATH
krew_root "$KREW_ROOT"
ARCHIVE=$(archive_of "$WORK/srs.yaml" linux amd64)
[[ -n $ARCHIVE ]] || die "the manifest has no linux/amd64 entry"
say "kubectl krew install --manifest=srs.yaml --archive=$(basename "$ARCHIVE")"
kubectl krew install --manifest="$WORK/srs.yaml" --archive="$ARCHIVE" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log" >&2; die "krew install"; }
found=$(command -v kubectl-srs)
[[ $found == "$KREW_ROOT/bin/kubectl-srs" ]] || die "kubectl-srs resolves to $found, not the krew install"
# Captured first: with pipefail, grep -q quitting early would make kubectl die of SIGPIPE.
plugins=$(kubectl plugin list 2>/dev/null || true)
grep -qx "$KREW_ROOT/bin/kubectl-srs" <<<"$plugins" || die "kubectl plugin list does not show the krew install"
# The installed file is the single executable itself: ELF, and it runs with no node on PATH.
[[ $(head -c4 "$(readlink -f "$found")" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]] || die "the installed kubectl-srs is not an ELF executable"
mkdir "$WORK/kubectl-only" && ln -s "$(command -v kubectl)" "$WORK/kubectl-only/kubectl"
version=$(PATH=$KREW_ROOT/bin:$WORK/kubectl-only kubectl srs --version)
say "kubectl srs --version (no node on PATH): $version"
[[ $version == "kubectl-srs/$(node -p 'require("./package.json").version') "* ]] || die "unexpected version: $version"

# Help text goes through the bundle's small template renderer (ejs is left out): examples must
# still show the command as kubectl runs it.
help=$(PATH=$KREW_ROOT/bin:$WORK/kubectl-only kubectl srs canary --help)
grep -qF '$ kubectl srs canary srs-edge-deploy --to v4.0.6 --percent 25' <<<"$help" || { printf '%s\n' "$help" >&2; die "canary --help does not show its examples as kubectl srs ..."; }

# The executable embeds oclif's manifest and loads a command's module only when it runs: the help
# of the root and of every command must read as the dev entry's (bin/run.js on the same sources).
# release.mjs built dist/ and oclif.manifest.json in the clone already (the bundle embeds it).
[[ -f oclif.manifest.json && -f dist/commands/status.js ]] || die "release.mjs left no dist/ build in the clone"
for id in "" $(node -p 'Object.keys(require("./oclif.manifest.json").commands).join(" ")'); do
  # The root help's VERSION line names the Node that runs it: this node here, the embedded one there.
  want=$(node bin/run.js $id --help 2>&1 | sed -E 's/node-v[0-9.]+/node-vN/') || die "bin/run.js $id --help failed"
  got=$(PATH=$KREW_ROOT/bin:$WORK/kubectl-only kubectl-srs $id --help 2>&1 | sed -E 's/node-v[0-9.]+/node-vN/') || die "kubectl-srs $id --help failed"
  [[ $got == "$want" ]] || { diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2 || true; die "kubectl-srs ${id:-(root)} --help differs from the dev entry's"; }
done
say "--help of the root and of $(node -p 'Object.keys(require("./oclif.manifest.json").commands).length') commands: identical to the dev entry's"
# Commands whose modules load on demand still run, and bad input still exits 2.
PATH=$KREW_ROOT/bin:$WORK/kubectl-only kubectl srs completion bash >/dev/null || die "completion bash"
set +e
PATH=$KREW_ROOT/bin:$WORK/kubectl-only kubectl srs canary srs-edge-deploy --percent 250 >/dev/null 2>"$WORK/bad.err"
code=$?
set -e
[[ $code == 2 ]] && grep -q -- '--percent' "$WORK/bad.err" || { cat "$WORK/bad.err" >&2; die "canary --percent 250 exited $code, not 2 naming --percent"; }

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
[[ $answered == 5 ]] || { cat "$WORK/status.err" >&2; die "status through the installed plugin: $answered of 5 pods answered"; }
kubectl srs status -n "$NS" >&2

# An exec credential plugin makes the executable load client-node, which it keeps apart from the
# start-up path (kubectl-srs-kube.cjs, an embedded asset in the single executable).
token=$(kubectl config view --raw --minify -o jsonpath='{.users[0].user.token}')
if [[ -n $token ]]; then
  printf '#!/bin/sh\necho %s\n' "'{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"$token\"}}'" >"$WORK/cred.sh"
  chmod +x "$WORK/cred.sh"
  kubectl config view --raw --minify -o json | CRED="$WORK/cred.sh" node -e '
    let s = ""
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const kc = JSON.parse(s)
      kc.users[0].user = {exec: {apiVersion: "client.authentication.k8s.io/v1", command: process.env.CRED, interactiveMode: "Never"}}
      console.log(JSON.stringify(kc))
    })' >"$WORK/exec.kubeconfig"
  out=$(KUBECONFIG=$WORK/exec.kubeconfig kubectl srs status -n "$NS" -o json 2>"$WORK/exec.err") || { cat "$WORK/exec.err" >&2; die "status with an exec credential plugin failed"; }
  ! grep -qi 'warning\|error' "$WORK/exec.err" || { cat "$WORK/exec.err" >&2; die "status with an exec credential plugin printed warnings"; }
  say "status with an exec credential plugin (client-node loaded): ok"
fi

kubectl krew uninstall srs >/dev/null
[[ ! -e $KREW_ROOT/bin/kubectl-srs && ! -e $KREW_ROOT/store/srs ]] || die "kubectl-srs still installed after uninstall"

# The committed krew-manifest.yaml: current when the sha256 of every platform just built is the
# one it names (the archives are reproducible), then krew installs it too.
committed=stale
same=$(node -e 'const [a, b] = process.argv.slice(1).map((f) => require("yaml").parse(require("fs").readFileSync(f, "utf8")).spec.platforms); const key = (p) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`; const names = new Map(a.map((p) => [key(p), p.sha256])); console.log(b.every((p) => names.get(key(p)) === p.sha256))' krew-manifest.yaml "$WORK/srs.yaml")
if [[ $same == true ]]; then
  root=$WORK/krew-committed
  krew_root "$root"
  KREW_ROOT=$root PATH=$KREW_CACHE:$BASE_PATH kubectl krew install --manifest=krew-manifest.yaml --archive="$ARCHIVE" >"$WORK/install-committed.log" 2>&1 ||
    { cat "$WORK/install-committed.log" >&2; die "krew install from the committed krew-manifest.yaml"; }
  committed=current
  say "the committed krew-manifest.yaml matches the build and krew installs from it"
elif [[ ${SRS_RELEASE_STRICT:-} == 1 ]]; then
  die "krew-manifest.yaml does not match the archives built from HEAD: run npm run release:manifest and commit it"
else
  say "WARNING: krew-manifest.yaml does not match the archives built from HEAD (run npm run release:manifest before releasing)"
fi

if [[ -n ${SRS_RELEASE_REPORT:-} ]]; then
  listing=$(TZ=UTC tar --numeric-owner -tvzf "$ARCHIVE")
  node -e 'const [file, ...v] = process.argv.slice(1); require("fs").writeFileSync(file, JSON.stringify({commit: v[0], version: v[1], installedPath: v[2], podsAnswered: Number(v[3]), otherPlatforms: v[4] ? v[4].split(" ") : [], committedManifest: v[5], archive: v[6].split("\n"), sha256: v[7], uninstalled: true}, null, 2))' \
    "$SRS_RELEASE_REPORT" "$head" "$version" "$found" "$answered" "${others[*]}" "$committed" "$listing" "$(sha_of "$WORK/srs.yaml" linux amd64)"
fi
say "ok: built from a fresh clone, installed by krew $KREW_VERSION, status answered by 5 pods, uninstalled"
