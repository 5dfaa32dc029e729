#!/usr/bin/env bash
# The director part of the lab demo: lvsd reads a keepalived.conf and puts two
# real servers behind a NAT virtual service; a client namespace sends HTTP
# requests through the VIP while one real server fails and comes back.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node=$(command -v node)
server="$here/dist/test/helpers/http-server.js"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in demo-client demo-lvs demo-rs1 demo-rs2; do ip netns del $ns 2>/dev/null || true; done
  ip link del demobr0 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for ns in demo-client demo-lvs demo-rs1 demo-rs2; do ip netns add $ns; ip -n $ns link set lo up; done
ip link add demo-c type veth peer name eth0 netns demo-client
ip link set demo-c netns demo-lvs
ip -n demo-lvs link set demo-c name eth0
ip -n demo-client addr add 10.10.0.2/24 dev eth0; ip -n demo-client link set eth0 up
ip -n demo-client route add default via 10.10.0.1
ip -n demo-lvs addr add 10.10.0.1/24 dev eth0; ip -n demo-lvs addr add 10.10.0.100/32 dev eth0; ip -n demo-lvs link set eth0 up
ip netns exec demo-lvs sysctl -qw net.ipv4.ip_forward=1
ip link add demobr0 type bridge; ip link set demobr0 up
i=0
for ns in demo-lvs demo-rs1 demo-rs2; do
  ip link add "demobr-$i" type veth peer name eth1 netns $ns
  ip link set "demobr-$i" master demobr0 up
  ip -n $ns link set eth1 up
  i=$((i + 1))
done
ip -n demo-lvs addr add 192.168.50.1/24 dev eth1
ip -n demo-rs1 addr add 192.168.50.11/24 dev eth1; ip -n demo-rs1 route add default via 192.168.50.1
ip -n demo-rs2 addr add 192.168.50.12/24 dev eth1; ip -n demo-rs2 route add default via 192.168.50.1

start_server() { ip netns exec "demo-$1" "$node" "$server" "$1" 8080 >/dev/null & echo $!; }
rs1=$(start_server rs1); pids+=("$rs1")
rs2=$(start_server rs2); pids+=("$rs2")

cat >"$work/keepalived.conf" <<'CONF'
virtual_server 10.10.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.50.11 8080 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
    real_server 192.168.50.12 8080 {
        weight 1
        inhibit_on_failure
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 0
        }
    }
}
CONF
echo "== keepalived.conf"
cat "$work/keepalived.conf"

ip netns exec demo-lvs "$node" "$here/bin/lvsd" -f "$work/keepalived.conf" --resync 1 --state-dir "$work/state" >"$work/lvsd.log" 2>&1 &
pids+=($!)
# Up to 120 s: a cold start in a slow lab kernel (page faults of a millisecond) took over 30 s.
for _ in $(seq 600); do grep -q 'lvsd running' "$work/lvsd.log" && break; sleep 0.2; done
grep -q 'lvsd running' "$work/lvsd.log" || { cat "$work/lvsd.log"; exit 1; }

requests() { # N: N requests through the VIP, one line each
  for _ in $(seq "$1"); do
    printf '  client -> 10.10.0.100:80 -> %s\n' "$(ip netns exec demo-client curl -s --max-time 2 http://10.10.0.100/ || echo FAILED)"
  done
}
listing() { echo "== lvsadm -Ln on the director"; ip netns exec demo-lvs "$here/bin/lvsadm" -Ln; }
wait_for() { # PATTERN: wait until the daemon logs it
  for _ in $(seq 150); do grep -q "$1" "$work/lvsd.log" && return 0; sleep 0.2; done
  echo "lvsd did not log '$1'" >&2; cat "$work/lvsd.log" >&2; exit 1
}
say_log() { grep "$1" "$work/lvsd.log" | tail -n 1 | "$node" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(`  lvsd: ${j.msg} ${j.server ?? ""} ${j.reason ? "("+j.reason+")" : ""}`)})'; }

echo; listing
echo; echo "== both real servers answer"
requests 4

echo; echo "== rs2 stops"
kill "$rs2"
wait_for 'real server down'
say_log 'real server down'
listing
echo "== requests keep being served by rs1"
requests 4

echo; echo "== rs2 starts again"
rs2=$(start_server rs2); pids+=("$rs2")
wait_for 'real server up'
say_log 'real server up'
listing
requests 4
