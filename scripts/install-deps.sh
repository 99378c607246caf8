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
  nodejs npm chromium
)

want=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_packages[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "ctodesk: missing Debian packages: ${missing[*]}" >&2
  echo "ctodesk: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "ctodesk: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
