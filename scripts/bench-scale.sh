#!/usr/bin/env bash
# A large table, run inside the lab (scripts/lab scripts/bench-scale.sh [SERVICES [SERVERS]]):
# one keepalived.conf of SERVICES virtual services x SERVERS real servers
# (default 100 x 100), no health checks. keepalived's checker and bin/lvsd
# (by its own first line, as systemd starts it) are started on it in turn, in
# namespaces of their own, and timed from the start until the kernel table
# holds every real server; then each one's CPU over 20 idle seconds (lvsd
# re-reads the table every 5 s to repair drift, keepalived does not). For
# lvsd alone: a /metrics scrape and GET /v1/services, their time and size,
# plain and gzipped. Prints each time and the ratio lvsd/keepalived where
# both do the same thing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
services=${1:-100}
servers=${2:-100}
idle_s=20
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
  ip netns del bench-ka 2>/dev/null || true
  ip netns del bench-lvsd 2>/dev/null || true
}
trap cleanup EXIT

for ((s = 0; s < services; s++)); do
  printf 'virtual_server 10.100.%d.%d 80 {\n  lb_algo wlc\n  lb_kind NAT\n  protocol TCP\n' $((s / 250)) $((s % 250 + 1))
  for ((r = 0; r < servers; r++)); do
    printf '  real_server 10.200.%d.%d 8080 {\n    weight 1\n  }\n' $((r / 250)) $((r % 250 + 2))
  done
  echo '}'
done >"$work/keepalived.conf"
want=$((services * servers))

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# CPU time (ms) the process has used: utime + stime, in clock ticks of 10 ms.
cpu_ms() { awk '{ print ($14 + $15) * 10 }' "/proc/$1/stat"; }
servers_in() { ip netns exec "$1" /usr/sbin/ipvsadm -Ln | grep -c -- '->' || true; }

# start NS COMMAND...: runs COMMAND in NS; sets pid and prints ms until the table is whole.
start() {
  local ns=$1 t0 n=0
  shift
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  t0=$(now)
  ip netns exec "$ns" "$@" >"$work/$ns.log" 2>&1 &
  pid=$!
  until [ "$(servers_in "$ns")" -ge "$want" ]; do
    n=$((n + 1))
    if [ $n -gt 1200 ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "bench: $ns never held $want real servers" >&2
      tail -n 5 "$work/$ns.log" >&2
      return 1
    fi
    sleep 0.05
  done
  ms "$t0" "$(now)" >"$work/$ns.start"
}

# idle: CPU ms of $pid over idle_s seconds, after 5 s to settle.
idle() {
  local a b
  sleep 5
  a=$(cpu_ms "$pid"); sleep $idle_s; b=$(cpu_ms "$pid")
  echo $((b - a))
}

stop() {
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}

start bench-ka /usr/sbin/keepalived -n -l -D -C -f "$work/keepalived.conf" -p "$work/ka.pid" -c "$work/ka-check.pid"
ka_start=$(cat "$work/bench-ka.start")
ka_idle=$(idle)
stop
ip netns del bench-ka

start bench-lvsd env LVSD_LOG_LEVEL=error "$here/bin/lvsd" -f "$work/keepalived.conf" --api 127.0.0.1:7080 --state-dir "$work/state"
lvsd_start=$(cat "$work/bench-lvsd.start")
for _ in $(seq 100); do
  ip netns exec bench-lvsd /usr/bin/curl -fs http://127.0.0.1:7080/healthz >/dev/null 2>&1 && break
  sleep 0.1
done
lvsd_idle=$(idle)

# fetch PATH [curl options]: "ms bytes" of the body as it came over the wire (median of 3).
fetch() {
  local path=$1 i t0 t1 out=()
  shift
  for i in 1 2 3; do
    t0=$(now)
    ip netns exec bench-lvsd /usr/bin/curl -fs "$@" -o "$work/body" "http://127.0.0.1:7080$path"
    t1=$(now)
    out+=("$(ms "$t0" "$t1") $(stat -c %s "$work/body")")
  done
  printf '%s\n' "${out[@]}" | sort -n | sed -n 2p
}
metrics_plain=$(fetch /metrics)
metrics_gzip=$(fetch /metrics -H 'accept-encoding: gzip')
services_plain=$(fetch /v1/services)
services_gzip=$(fetch /v1/services -H 'accept-encoding: gzip')
stop

echo "lab kernel $(uname -r), $services virtual services x $servers real servers ($want), no checks"
printf '\n%-44s %12s %12s %8s\n' "" "keepalived" "lvsd" "ratio"
printf '%-44s %12s %12s %8s\n' "start until the table is whole, ms" "$ka_start" "$lvsd_start" "$(ratio "$lvsd_start" "$ka_start")"
printf '%-44s %12s %12s\n' "CPU over ${idle_s} idle s, ms" "$ka_idle" "$lvsd_idle"
printf '\n%-44s %12s %12s\n' "lvsd's API (median of 3)" "ms" "bytes"
printf '%-44s %12s %12s\n' "/metrics" $metrics_plain
printf '%-44s %12s %12s\n' "/metrics, gzip" $metrics_gzip
printf '%-44s %12s %12s\n' "/v1/services" $services_plain
printf '%-44s %12s %12s\n' "/v1/services, gzip" $services_gzip
