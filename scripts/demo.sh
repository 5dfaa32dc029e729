#!/usr/bin/env bash
# The lab demo (run by `npm run demo` through scripts/lab): a director
# namespace whose IPVS table is built by lvsadm from an ipvsadm script, then
# listed the way operators read it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lvsadm="$here/bin/lvsadm"
ns=demo-director

ip netns del $ns 2>/dev/null || true
ip netns add $ns
trap 'ip netns del $ns 2>/dev/null || true' EXIT
# The director needs a route to its real servers before the kernel accepts them.
ip -n $ns link set lo up
ip -n $ns link add lan0 type dummy
ip -n $ns link set lan0 up
ip -n $ns addr add 192.168.0.1/24 dev lan0
ip -n $ns addr add 172.16.0.254/24 dev lan0
ip -n $ns addr add fd00:1::1/64 dev lan0

script=$(cat <<'RULES'
-A -t 172.16.0.1:80 -s wlc
-a -t 172.16.0.1:80 -r 192.168.0.4:80 -m
-a -t 172.16.0.1:80 -r 192.168.0.5:80 -m -w 2
-A -t 172.16.0.1:443 -s sh -b sh-port -p 300
-a -t 172.16.0.1:443 -r 172.16.0.10:443 -g
-a -t 172.16.0.1:443 -r 172.16.0.20:443 -g -w 3
-A -f 7 -s rr
-a -f 7 -r 172.16.0.30:0 -i
-A -t [fd00:1::100]:80 -s wrr
-a -t [fd00:1::100]:80 -r [fd00:1::10]:80 -m -x 100 -y 10
RULES
)
echo "== the ipvsadm rules, restored with: lvsadm -R"
echo "$script"
echo "$script" | ip netns exec $ns "$lvsadm" -R
echo
echo "== lvsadm -Ln"
ip netns exec $ns "$lvsadm" -Ln
echo
echo "== ipvsadm -Ln on the same table (the reference)"
ip netns exec $ns /usr/sbin/ipvsadm -Ln
echo
if diff <(ip netns exec $ns "$lvsadm" -Ln) <(ip netns exec $ns /usr/sbin/ipvsadm -Ln) >/dev/null &&
   diff <(ip netns exec $ns "$lvsadm" -Sn) <(ip netns exec $ns /usr/sbin/ipvsadm -Sn) >/dev/null; then
  echo "== lvsadm and ipvsadm listings are identical (-Ln and -Sn)"
else
  echo "== lvsadm and ipvsadm listings differ" >&2
  exit 1
fi

echo
"$here/scripts/demo-director.sh"

echo
"$here/scripts/demo-pair.sh"
