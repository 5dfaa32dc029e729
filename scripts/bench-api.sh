#!/usr/bin/env bash
# REST API benchmark, run inside the lab (scripts/lab scripts/bench-api.sh):
# lvsd in its own namespace, then 1,000 real servers added through the API
# one request at a time, and 1,000 more with 16 requests in flight. Each
# request returns once its change is in the kernel and saved (fsync) under
# --state-dir. Prints latency percentiles and throughput; the kernel table is
# counted at the end. Then the same load on a server that answers at once
# gives the lab's floor, to read lvsd's figures against.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node=$(command -v node)
count=${BENCH_COUNT:-1000}
inflight=${BENCH_IN_FLIGHT:-16}
statedir=${BENCH_STATE_DIR:-}
# BENCH_PROFILE_DIR=DIR: lvsd writes a CPU profile (.cpuprofile) there when it
# stops. The lab passes no environment: scripts/lab env BENCH_PROFILE_DIR=... CMD.
profile=()
[ -z "${BENCH_PROFILE_DIR:-}" ] || profile=(--cpu-prof --cpu-prof-dir "$BENCH_PROFILE_DIR")
ns=bench-api
work=$(mktemp -d)
[ -n "$statedir" ] || statedir="$work/state"
lvsd_pid=
floor_pid=
cleanup() {
  [ -n "$floor_pid" ] && kill "$floor_pid"
floor_pid= 2>/dev/null
  [ -n "$lvsd_pid" ] && kill "$lvsd_pid" 2>/dev/null && wait "$lvsd_pid" 2>/dev/null
  rm -rf "$work"
  ip netns del $ns 2>/dev/null || true
}
trap cleanup EXIT

ip netns del $ns 2>/dev/null || true
ip netns add $ns
ip -n $ns link set lo up
ip -n $ns link add lan0 type dummy
ip -n $ns link set lan0 up
ip -n $ns addr add 10.201.0.1/16 dev lan0
ip -n $ns addr add 10.202.0.1/16 dev lan0

cat >"$work/keepalived.conf" <<CONF
virtual_server 10.100.0.1 80 {
  lb_algo wlc
  lb_kind NAT
  protocol TCP
}
virtual_server 10.100.0.2 80 {
  lb_algo wlc
  lb_kind NAT
  protocol TCP
}
CONF
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$work/token"

LVSD_LOG_LEVEL=warn ip netns exec $ns "$node" "${profile[@]}" "$here/dist/src/cli/lvsd.js" -f "$work/keepalived.conf" \
  --api 127.0.0.1:7080 --api-token-file "$work/token" --state-dir "$statedir" --resync 0 &
lvsd_pid=$!
for _ in $(seq 100); do
  ip netns exec $ns /usr/bin/curl -fs http://127.0.0.1:7080/healthz >/dev/null 2>&1 && break
  sleep 0.2
done

client() {
  ip netns exec $ns "$node" "$here/dist/scripts/bench-api-client.js" http://127.0.0.1:7080 "$(cat "$work/token")" "$@"
}
echo "state dir: $statedir ($(stat -f -c %T "$statedir" 2>/dev/null || echo unknown))"
echo -n "sequential: "; client tcp:10.100.0.1:80 "$count" 1 10.201
echo -n "concurrent: "; client tcp:10.100.0.2:80 "$count" "$inflight" 10.202
echo "kernel table: $(ip netns exec $ns /usr/sbin/ipvsadm -Ln | grep -c -- '->' ) real server lines (expect $((2 * count)) + header)"

# The same load on a server that does nothing: the lab's own share of the latency.
ip netns exec $ns "$node" "$here/dist/scripts/bench-api-floor.js" 7081 &
floor_pid=$!
for _ in $(seq 100); do
  ip netns exec $ns /usr/bin/curl -fs -X POST http://127.0.0.1:7081/ >/dev/null 2>&1 && break
  sleep 0.2
done
floor() {
  ip netns exec $ns "$node" "$here/dist/scripts/bench-api-client.js" http://127.0.0.1:7081 - "$@"
}
echo -n "floor sequential: "; floor tcp:10.100.0.1:80 "$count" 1 10.203
echo -n "floor concurrent: "; floor tcp:10.100.0.2:80 "$count" "$inflight" 10.204
kill "$floor_pid"
floor_pid=
