#!/usr/bin/env bash
# Health-check benchmark, lvsd against keepalived's checker, in one lab boot:
#   scripts/lab scripts/bench-check.sh [--sizes 10000,1000] [--warmup 5] [--window 10] [--reps 5]
# Namespaces: bc-rs holds the real servers' address 10.202.0.10 and one
# listener process; bc-lvsd and bc-ka are two directors (one IPVS table each)
# linked to bc-rs by veth and routing 10.202.0.0/24 to it. The checkers run
# one at a time so that they never share the lab's single CPU. Logs, configs
# and results.json go to .lab/bench-check/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$here/.lab/bench-check"
node=$(command -v node)
[ -e /proc/net/ip_vs ] || { echo "bench-check: no IPVS in this kernel; run it as scripts/lab $0" >&2; exit 2; }
[ -f "$here/dist/scripts/bench-check-lab.js" ] || { echo "bench-check: build first (npx tsc -p $here)" >&2; exit 2; }

modprobe -a sch_ingress cls_flower act_gact

# One listener process holds 10,000 listening sockets plus the accepted ones.
ulimit -n 65536

namespaces=(bc-rs bc-lvsd bc-ka)
cleanup() { for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done; }
trap cleanup EXIT
cleanup

for ns in "${namespaces[@]}"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
ip -n bc-rs addr add 10.202.0.10/32 dev lo
subnet=1
links=()
for dir in bc-lvsd bc-ka; do
  ip link add "$dir-rs" netns "$dir" type veth peer name "to-$dir" netns bc-rs
  ip -n "$dir" addr add "10.201.$subnet.1/24" dev "$dir-rs"
  ip -n bc-rs addr add "10.201.$subnet.2/24" dev "to-$dir"
  ip -n "$dir" link set "$dir-rs" up
  ip -n bc-rs link set "to-$dir" up
  ip netns exec bc-rs /usr/sbin/tc qdisc add dev "to-$dir" clsact
  links+=("to-$dir")
  ip -n "$dir" route add 10.202.0.0/24 via "10.201.$subnet.2"
  # 10,000 checks a second leave many connections in TIME_WAIT: give both checkers the same wide port range.
  ip netns exec "$dir" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
  subnet=$((subnet + 1))
done
ip netns exec bc-rs sysctl -qw net.core.somaxconn=4096

mkdir -p "$out"
echo "lab kernel $(uname -r), $(nproc) CPU, keepalived: $(/usr/sbin/keepalived --version 2>&1 | head -n 1)"
"$node" "$here/dist/scripts/bench-check-lab.js" --rs-ns bc-rs --rs-links "$(IFS=,; echo "${links[*]}")" --lvsd-ns bc-lvsd --keepalived-ns bc-ka --out "$out" "$@"
