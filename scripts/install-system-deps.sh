#!/usr/bin/env bash
# Debian packages the tests and the demo need, installed only when missing.
# Go (for the test control plane), Node.js 20 and npm come with the machine.
set -euo pipefail
need=()
command -v ip >/dev/null || need+=(iproute2)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
command -v kubectl >/dev/null || need+=(kubectl)
if ((${#need[@]})); then
  echo "installing: ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "error: Go 1.26 is needed to build the test control plane" >&2; exit 1; }
command -v node >/dev/null || { echo "error: Node.js 20 or later is needed" >&2; exit 1; }
