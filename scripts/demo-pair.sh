#!/usr/bin/env bash
# The director-pair part of the lab demo: two lvsd directors share a VIP over
# VRRP in front of two DR real servers (prepared with `lvsd realserver`). A
# client keeps requesting the VIP while the master dies; the backup takes the
# VIP over and the client is served again within the VRRP takeover time.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node=$(command -v node)
server="$here/dist/test/helpers/http-server.js"
work=$(mktemp -d)
spaces=(pair-client pair-d1 pair-d2 pair-rs1 pair-rs2)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in "${spaces[@]}"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; ip netns del "$ns" 2>/dev/null || true; done
  ip link del pairbr0 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip link add pairbr0 type bridge; ip link set pairbr0 up
i=0
for ns in "${spaces[@]}"; do
  ip netns add "$ns"; ip -n "$ns" link set lo up
  ip link add "pairbr-$i" type veth peer name eth0 netns "$ns"
  ip link set "pairbr-$i" master pairbr0 up
  ip -n "$ns" link set eth0 up
  i=$((i + 1))
done
ip -n pair-client addr add 10.40.0.2/24 dev eth0
ip -n pair-d1 addr add 10.40.0.11/24 dev eth0
ip -n pair-d2 addr add 10.40.0.12/24 dev eth0
ip -n pair-rs1 addr add 10.40.0.21/24 dev eth0
ip -n pair-rs2 addr add 10.40.0.22/24 dev eth0

for rs in rs1 rs2; do
  "$node" "$here/bin/lvsd" realserver --vip 10.40.0.100 --mode dr --netns "pair-$rs" >/dev/null
  ip netns exec "pair-$rs" "$node" "$server" "$rs" 80 >/dev/null &
  pids+=($!)
done

director_conf() { # STATE PRIORITY
  cat <<CONF
vrrp_instance VI_1 {
    state $1
    interface eth0
    virtual_router_id 40
    priority $2
    advert_int 1
    virtual_ipaddress {
        10.40.0.100/32 dev eth0
    }
}
virtual_server 10.40.0.100 80 {
    protocol TCP
    delay_loop 2
    lb_algo rr
    lb_kind DR
    real_server 10.40.0.21 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 10.40.0.22 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
CONF
}
director_conf MASTER 150 >"$work/d1.conf"
director_conf BACKUP 100 >"$work/d2.conf"
echo "== two directors, one VRRP instance (VRID 40, VIP 10.40.0.100), DR real servers"
cat "$work/d1.conf"

for d in d1 d2; do
  ip netns exec "pair-$d" "$node" "$here/bin/lvsd" -f "$work/$d.conf" --api off --state-dir "$work/$d.state" >"$work/$d.log" 2>&1 &
  pids+=($!)
done
d1_pid=${pids[-2]}
wait_log() { # FILE PATTERN SECONDS
  for _ in $(seq $(($3 * 5))); do grep -q "$2" "$1" && return 0; sleep 0.2; done
  echo "no '$2' in $1" >&2; cat "$1" >&2; exit 1
}
# Up to 120 s: a cold start in a slow lab kernel (page faults of a millisecond) took over 30 s.
wait_log "$work/d1.log" '"state":"MASTER"' 120
wait_log "$work/d2.log" 'lvsd running' 120
has_vip() { ip -n "pair-$1" addr show eth0 | grep 10.40.0.100 >/dev/null; }
for _ in $(seq 50); do has_vip d1 && break; sleep 0.2; done
has_vip d1 && ! has_vip d2 && echo "== d1 is master and holds the VIP; d2 is backup"

# The client: one request every 100 ms, one line per request.
( while :; do
    r=$(ip netns exec pair-client curl -s --max-time 1 http://10.40.0.100/ || echo FAILED)
    echo "$(date +%s.%N) $r"
    sleep 0.1
  done ) >"$work/client.log" 2>/dev/null &
pids+=($!)
sleep 3
echo "== client, before: $(grep -c -v FAILED "$work/client.log") answered, $(grep -c FAILED "$work/client.log") failed"

echo "== the master d1 dies (SIGKILL, link down)"
killed_at=$(date +%s.%N)
kill -9 "$d1_pid"
wait "$d1_pid" 2>/dev/null || true
ip -n pair-d1 link set eth0 down
wait_log "$work/d2.log" '"state":"MASTER"' 15
for _ in $(seq 50); do has_vip d2 && break; sleep 0.2; done
has_vip d2 && echo "== d2 is master and holds the VIP"
sleep 3
kill "${pids[-1]}"
awk -v t="$killed_at" '$1 >= t' "$work/client.log" >"$work/after.log"
# Served again: the first answer after the first failure (an answer just after the kill may still
# come through d1's kernel, whose link is taken down a moment later).
first_ok=$(awk '$2 == "FAILED" {failed = 1; next} failed {print $1; exit}' "$work/after.log")
if [ -n "$first_ok" ]; then
  again="served again $(awk -v a="$killed_at" -v b="$first_ok" 'BEGIN {printf "%.1f", b - a}') s after the kill"
else
  again="no request failed"
fi
echo "== client, after the kill: $(grep -c -v FAILED "$work/after.log") answered, $(grep -c FAILED "$work/after.log") failed; $again"
echo "== the last answers came from: $(tail -n 6 "$work/after.log" | awk '{print $2}' | tr '\n' ' ')"
tail -n 3 "$work/after.log" | grep -q -v FAILED
