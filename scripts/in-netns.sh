#!/usr/bin/env bash
# Runs a command inside a private network namespace with only loopback, up and
# multicast-capable (with a 224.0.0.0/4 route), so that libp2p and mDNS never
# touch the host network. Sets QUORUM_NETNS=1 there. Where no namespace can be
# made (not root and no user namespaces), runs the command with QUORUM_NETNS=0:
# tests that need the network then skip with a message saying so.
set -euo pipefail
if [ "${QUORUM_NETNS:-}" = "1" ]; then exec "$@"; fi

setup='ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo'
if [ "$(id -u)" = "0" ] && unshare -n true 2>/dev/null; then
  exec unshare -n -- bash -c "$setup && QUORUM_NETNS=1 exec \"\$@\"" netns "$@"
fi
if unshare -rn true 2>/dev/null; then
  exec unshare -rn -- bash -c "$setup && QUORUM_NETNS=1 exec \"\$@\"" netns "$@"
fi
echo "in-netns: cannot create a private network namespace here (needs root or user namespaces); network tests will be skipped" >&2
QUORUM_NETNS=0 exec "$@"
