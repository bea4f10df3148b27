#!/usr/bin/env bash
# Installs the Debian packages the fault suites need, if missing:
#   scripts/ensure-debs.sh iptables
# Each argument is a command; its package has the same name. Needs root and
# the Debian mirror; exits non-zero (saying why) if a command is still missing.
set -euo pipefail
missing=()
for cmd in "$@"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ]; then echo "ensure-debs: ${missing[*]} missing, and installing needs root" >&2; exit 1; fi
echo "ensure-debs: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for cmd in "${missing[@]}"; do command -v "$cmd" >/dev/null 2>&1 || { echo "ensure-debs: $cmd still missing after apt-get" >&2; exit 1; }; done
