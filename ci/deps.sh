#!/usr/bin/env bash
# Install what finfuzz needs from Debian. Idempotent: installs only what is
# missing. Used by the Makefile (when something is missing) and by .ci/run.
set -euo pipefail

pkgs=(clang llvm libclang-rt-14-dev make pkg-config afl++ libpcap-dev liblwip-dev libcmocka-dev libjson-c-dev libxml2-dev
      tcpdump tshark graphviz librsvg2-bin libxml2-utils iproute2 zip)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ci/deps.sh: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        SUDO=sudo
    else
        echo "ci/deps.sh: missing packages (${missing[*]}) and not root: run 'sudo ci/deps.sh' or install them with apt-get" >&2
        exit 1
    fi
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections || true
if ! $SUDO apt-get update -qq || ! $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null; then
    echo "ci/deps.sh: apt-get could not install ${missing[*]} (no network or no Debian mirror?)" >&2
    exit 1
fi
