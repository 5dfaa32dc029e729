#!/usr/bin/env bash
# REST API benchmark, run inside the lab (scripts/lab scripts/bench-api.sh):
# bin/lvsd in its own namespace; 200 real servers added through the API to
# warm it up (reported, not counted), then rounds of 1,000 added one request
# at a time and 1,000 more with 16 requests in flight, each load to a service
# of its own. Round 1 is what a freshly started lvsd gives; the later rounds
# show it once its JIT compiler has settled (on the lab's single CPU, code
# being compiled in the background competes with the requests). Each request
# returns once its change is in the kernel and saved (fsync) under
# --state-dir. Prints latency percentiles and throughput per load; the kernel
# table is counted at the end. Then the same loads on a server that answers
# at once give the lab's floor, to read lvsd's figures against. The client is
# curl (one keep-alive connection per request in flight), so that no garbage
# collector or JIT compiler of the client's own is in the figures.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node=$(command -v node)
count=${BENCH_COUNT:-1000}
inflight=${BENCH_IN_FLIGHT:-16}
statedir=${BENCH_STATE_DIR:-}
warmup=${BENCH_WARMUP:-200}
rounds=${BENCH_ROUNDS:-3}
# BENCH_PROFILE_DIR=DIR: lvsd writes a CPU profile (.cpuprofile) there when it
# stops. The lab passes no environment: scripts/lab env BENCH_PROFILE_DIR=... CMD.
lvsd=("$here/bin/lvsd")
if [ -n "${BENCH_PROFILE_DIR:-}" ]; then
  # Node refuses --cpu-prof in NODE_OPTIONS: run bin/lvsd's own first line with the flag added.
  lvsd=(/usr/bin/env -S "$(sed -n '1s|^#!/usr/bin/env -S ||p' "$here/bin/lvsd") --cpu-prof --cpu-prof-dir=$BENCH_PROFILE_DIR $here/bin/lvsd")
fi
ns=bench-api
work=$(mktemp -d)
[ -n "$statedir" ] || statedir="$work/state"
lvsd_pid=
floor_pid=
cleanup() {
  [ -n "$floor_pid" ] && kill "$floor_pid" 2>/dev/null
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
# Service k (10.100.0.k) gets its real servers from 10.(200 + k).0.0/16: two
# per round, and the last one for the warm-up.
services=$((2 * rounds + 1))
for ((k = 1; k <= services; k++)); do ip -n $ns addr add 10.$((200 + k)).0.1/16 dev lan0; done

for ((s = 1; s <= services; s++)); do
  printf 'virtual_server 10.100.0.%d 80 {\n  lb_algo wlc\n  lb_kind NAT\n  protocol TCP\n}\n' $s
done >"$work/keepalived.conf"
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$work/token"

LVSD_LOG_LEVEL=error ip netns exec $ns "${lvsd[@]}" -f "$work/keepalived.conf" \
  --api 127.0.0.1:7080 --api-token-file "$work/token" --state-dir "$statedir" --resync 0 &
lvsd_pid=$!
for _ in $(seq 100); do
  ip netns exec $ns /usr/bin/curl -fs http://127.0.0.1:7080/healthz >/dev/null 2>&1 && break
  sleep 0.2
done

# requests PORT SERVICE SUBNET COUNT: a curl config adding COUNT real servers
# SUBNET.x.y:8080 to SERVICE, each transfer writing its status and time.
requests() {
  local token i
  token=$(cat "$work/token")
  for ((i = 0; i < $4; i++)); do
    [ $i = 0 ] || echo next
    printf 'url = "http://127.0.0.1:%s/v1/services/%s/servers"\nrequest = "POST"\n' "$1" "$2"
    printf 'header = "authorization: Bearer %s"\nheader = "content-type: application/json"\n' "$token"
    printf 'data = "{\\"address\\":\\"%s.%d.%d\\",\\"port\\":8080,\\"weight\\":1,\\"forward\\":\\"nat\\"}"\n' "$3" $((i / 250)) $((i % 250 + 2))
    printf 'output = "/dev/null"\nwrite-out = "%%{http_code} %%{time_total}\\n"\n'
  done
}

# load PORT SERVICE SUBNET COUNT IN_FLIGHT: one JSON line of latency
# percentiles (ms) and throughput; fails unless every request got its 201.
load() {
  local parallel=() t0 t1
  requests "$1" "$2" "$3" "$4" >"$work/load.cfg"
  [ "$5" -le 1 ] || parallel=(--parallel --parallel-max "$5")
  t0=$(date +%s%N)
  ip netns exec $ns /usr/bin/curl --silent --no-progress-meter "${parallel[@]}" --config "$work/load.cfg" >"$work/load.out"
  t1=$(date +%s%N)
  sort -k2 -g "$work/load.out" | awk -v service="${2//%3A/:}" -v inflight="$5" -v ns=$((t1 - t0)) '
    $1 != 201 { bad++ } { t[NR] = $2 * 1000 }
    END {
      n = NR
      printf "{\"service\":\"%s\",\"requests\":%d,\"inFlight\":%d,\"p50Ms\":%.2f,\"p90Ms\":%.2f,\"p99Ms\":%.2f,\"maxMs\":%.2f,\"perSecond\":%d,\"failed\":%d}\n",
        service, n, inflight, t[int(n * 0.5) + 1], t[int(n * 0.9) + 1], t[int(n * 0.99) + 1], t[n], n / (ns / 1e9), bad
      if (bad) exit 1
    }'
}

# rounds_on PORT LABEL: the warm-up, then each round's sequential and concurrent loads.
rounds_on() {
  local k r
  echo -n "$2warm-up (not counted): "; load "$1" tcp%3A10.100.0.$services%3A80 10.$((200 + services)) "$warmup" 1
  for ((r = 1; r <= rounds; r++)); do
    k=$((2 * r - 1))
    echo -n "$2round $r sequential: "; load "$1" tcp%3A10.100.0.$k%3A80 10.$((200 + k)) "$count" 1
    k=$((2 * r))
    echo -n "$2round $r concurrent: "; load "$1" tcp%3A10.100.0.$k%3A80 10.$((200 + k)) "$count" "$inflight"
  done
}

echo "state dir: $statedir ($(stat -f -c %T "$statedir" 2>/dev/null || echo unknown))"
rounds_on 7080 ""
echo "kernel table: $(ip netns exec $ns /usr/sbin/ipvsadm -Ln | grep -c -- '->' ) real server lines (expect $((warmup + 2 * rounds * count)) + header)"

# The same loads on a server that does nothing: the lab's own share of the latency.
ip netns exec $ns "$node" "$here/dist/scripts/bench-api-floor.js" 7081 &
floor_pid=$!
for _ in $(seq 100); do
  ip netns exec $ns /usr/bin/curl -fs -X POST http://127.0.0.1:7081/ >/dev/null 2>&1 && break
  sleep 0.2
done
rounds_on 7081 "floor "
kill "$floor_pid"
floor_pid=
