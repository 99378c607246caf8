#!/usr/bin/env bash
# Installs the Debian packages ctodesk needs, only those missing; silent when
# everything is already there. Idempotent; safe to run on every build.
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config git
  libsqlite3-dev libssl-dev libcurl4-openssl-dev
  libtomlplusplus-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  libexpected-dev libboost-dev libhowardhinnant-date-dev tzdata
  zlib1g-dev libzstd-dev libsimdjson-dev
  libgit2-dev libhyperscan-dev
  libarchive-dev liblzma-dev libxxhash-dev
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-jsonschema curl openssl
  nginx
  tar gzip xz-utils zstd postgresql-client postgresql
)
# For the browser tests only: installed when missing, but a failure here is a
# warning (those tests then skip, saying why), not the end of the build. A
# command already on PATH counts (Node.js from NodeSource ships npm itself, and
# Debian's npm package conflicts with it).
browser_packages=(nodejs:node npm:npm chromium:chromium)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

want=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_packages[@]}"); fi

missing=()
for p in "${want[@]}"; do
  installed "$p" || missing+=("$p")
done
optional=()
if [[ "${1:-}" == "--test" ]]; then
  for pc in "${browser_packages[@]}"; do
    p=${pc%%:*} c=${pc#*:}
    installed "$p" || command -v "$c" >/dev/null 2>&1 || optional+=("$p")
  done
fi
[[ ${#missing[@]} -eq 0 && ${#optional[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "ctodesk: missing Debian packages: ${missing[*]}" >&2
    echo "ctodesk: run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "ctodesk: the browser tests will be skipped without: ${optional[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "ctodesk: installing ${missing[*]}" >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [[ ${#optional[@]} -gt 0 ]]; then
  echo "ctodesk: installing ${optional[*]} (browser tests)" >&2
  apt-get install -y -qq --no-install-recommends "${optional[@]}" >/dev/null ||
    echo "ctodesk: could not install ${optional[*]}; the browser tests will be skipped" >&2
fi
