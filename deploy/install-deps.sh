#!/bin/sh
# Installs spotter's build and test dependencies from Debian's packages.
# Idempotent: installs only what is missing, so `make run` and `make check`
# can call it every time. Needs root (or sudo) only when something is missing.
set -eu

PKGS="build-essential pkg-config
libhyperscan-dev libpcre2-dev libpcap-dev librdkafka-dev libjemalloc-dev
libbpf-dev clang llvm bpftool libelf-dev zlib1g-dev libxdp-dev libcap-ng-dev
libcunit1-dev libsodium-dev libyaml-dev
cppcheck clang-tidy clang-format
python3 python3-scapy iproute2 maven default-jre-headless"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
