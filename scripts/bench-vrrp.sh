#!/bin/sh
# VRRP failover timed on the wire: run inside the lab kernel,
#   scripts/lab scripts/bench-vrrp.sh [REPEATS]
# A master (priority 150) and a backup (priority 90) share one bridge, each
# lvsd or keepalived (four pairings); tcpdump on the bridge stamps every packet.
# After SIGKILL of the master: its last advert -> the backup's first advert,
# and -> the backup's first gratuitous ARP. After a graceful stop: the
# priority-0 advert -> the backup's first advert. For advert_int 1 s (v2) and
# 0.1 s (v3); medians of REPEATS runs next to the RFC's figures. The graceful
# stop is also timed on the backup's own interface (a second capture in its
# namespace): the difference is the lab kernel's delivery across the bridge.
# While a takeover is timed the script starts no process (a fork in the lab
# kernel delays other work by up to a scheduler tick): it waits on a sleep
# started before the master is ended, then looks for the VIP.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
repeats=${1:-3}
work=$(mktemp -d "$here/.lab/bench-vrrp.XXXXXX")
br=bvrrpbr
M=bvrrp-m
B=bvrrp-b
VIP=10.63.0.100

setup() {
  ip link del $br 2>/dev/null || true
  ip link add $br type bridge && ip link set $br up
  i=0
  for ns in $M $B; do
    ip netns del $ns 2>/dev/null || true
    ip netns add $ns && ip -n $ns link set lo up
    ip link add $br-$i type veth peer name eth0 netns $ns
    ip link set $br-$i master $br up && ip -n $ns link set eth0 up
    i=$((i + 1))
  done
  ip -n $M addr add 10.63.0.1/24 dev eth0
  ip -n $B addr add 10.63.0.2/24 dev eth0
}

conf() { # VERSION ADVERT PRIORITY
  cat <<EOF
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 81
  version $1
  priority $3
  advert_int $2
  virtual_ipaddress {
    $VIP/24
  }
}
EOF
}

start_keepalived() { # NS CONF TAG
  # A SIGKILLed run leaves its pid files, and its pids may still be zombies: keepalived would refuse to start.
  rm -f "$work/$3.pid" "$work/$3-vrrp.pid" "$work/$3-check.pid"
  ip netns exec "$1" /usr/sbin/keepalived -n -l -D --vrrp -f "$2" -p "$work/$3.pid" -r "$work/$3-vrrp.pid" \
    -c "$work/$3-check.pid" >"$work/$3.log" 2>&1 &
  echo $!
}

start_lvsd() { # NS CONF TAG
  ip netns exec "$1" "$here/bin/lvsd" -f "$2" --state-dir "$work/$3.state" >"$work/$3.log" 2>&1 &
  echo $!
}

wait_vip() { # NS
  n=0
  until ip -n "$1" -br addr show dev eth0 | grep -q "$VIP/"; do
    n=$((n + 1)); [ $n -gt 200 ] && { echo "bench: $1 never took $VIP" >&2; tail -n 5 "$work"/*.log >&2; return 1; }
    sleep 0.1
  done
}

# Milliseconds between the events of one capture, as "kill_advert kill_garp".
measure() { # PCAP MASTER_IP BACKUP_IP MODE(kill|stop)
  tcpdump -r "$1" -tt -nn 2>/dev/null | awk -v m="$2" -v b="$3" -v vip="$VIP" -v mode="$4" '
    / VRRPv/ && $3 == m && mode == "kill" && !taken { last = $1 }
    / VRRPv/ && $3 == m && mode == "stop" && / prio 0,/ && !taken { last = $1 }
    / VRRPv/ && $3 == b && last && !taken { taken = $1 }
    /ARP, Request who-has/ && $0 ~ ("who-has " vip " (\\([^)]*\\) )?tell " vip) && taken && !garp { garp = $1 }
    END { if (!taken) print "nan nan"; else printf "%.1f %.1f\n", (taken - last) * 1000, (garp ? (garp - taken) * 1000 : -1) }'
}

# Starts the master ($master: lvsd or keepalived), lets it settle, then ends it (kill|stop) while
# the bridge is captured; the backup's takeover times go to $work/MODE.result. Leaves the master's
# pid in mpid.
failover() { # MODE
  if [ "$master" = lvsd ]; then mpid=$(start_lvsd $M "$work/master.conf" master); else mpid=$(start_keepalived $M "$work/master.conf" master); fi
  wait_vip $M
  sleep 2
  tcpdump -U --immediate-mode -i $br -w "$work/$1.pcap" vrrp or arp 2>/dev/null &
  dump=$!
  ip netns exec $B tcpdump -U --immediate-mode -i eth0 -w "$work/$1-backup.pcap" vrrp 2>/dev/null &
  dump_backup=$!
  sleep 1
  if [ "$1" = kill ]; then nap=$(awk -v a="$advert" 'BEGIN { print 3 * a + 1.5 }'); else nap=1.5; fi
  sleep "$nap" &
  napper=$!
  if [ "$1" = kill ] && [ "$master" = lvsd ]; then
    kill -9 "$mpid"
  elif [ "$1" = kill ]; then
    # The VRRP child is the one to kill: killed alone, the parent would stop it gracefully (priority 0).
    # The parent is frozen first, or it may respawn the child before its own SIGKILL lands.
    kill -STOP "$mpid"
    kill -9 "$(cat "$work/master-vrrp.pid")" "$mpid"
  else
    kill -TERM "$mpid"
  fi
  wait $napper
  wait_vip $B
  kill -INT $dump $dump_backup; wait $dump 2>/dev/null || true; wait $dump_backup 2>/dev/null || true
  measure "$work/$1.pcap" 10.63.0.1 10.63.0.2 "$1" >"$work/$1.result"
  measure "$work/$1-backup.pcap" 10.63.0.1 10.63.0.2 "$1" >"$work/$1-backup.result"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

theory() { # VERSION ADVERT PRIORITY -> "down skew" in ms
  awk -v v="$1" -v a="$2" -v p="$3" 'BEGIN {
    skew = (v == 2) ? (256 - p) / 256 * 1000 : (256 - p) * int(a * 100 + 0.5) * 10 / 256
    printf "%.1f %.1f\n", 3 * a * 1000 + skew, skew }'
}

setup
printf '%-10s %-10s %-9s %12s %12s %12s %12s %15s %12s\n' master backup advert theory-kill kill theory-stop stop stop-at-backup garp-after
for variant in "2 1" "3 0.1"; do
  set -- $variant
  version=$1 advert=$2
  conf "$version" "$advert" 150 >"$work/master.conf"
  conf "$version" "$advert" 90 >"$work/backup.conf"
  for pairing in "lvsd lvsd" "keepalived keepalived" "keepalived lvsd" "lvsd keepalived"; do
    set -- $pairing
    master=$1 kind=$2
    : >"$work/kill.txt"; : >"$work/stop.txt"; : >"$work/stop-backup.txt"; : >"$work/garp.txt"
    r=0
    while [ $r -lt "$repeats" ]; do
      r=$((r + 1))
      ip -n $M addr flush dev eth0 && ip -n $M addr add 10.63.0.1/24 dev eth0
      ip -n $B addr flush dev eth0 && ip -n $B addr add 10.63.0.2/24 dev eth0
      if [ $kind = lvsd ]; then bpid=$(start_lvsd $B "$work/backup.conf" backup); else bpid=$(start_keepalived $B "$work/backup.conf" backup); fi
      sleep 4
      failover kill
      set -- $(cat "$work/kill.result")
      echo "$1" >>"$work/kill.txt"; echo "$2" >>"$work/garp.txt"
      # Graceful: the master returns, preempts, and is stopped. The VIP its killed run left is cleared
      # first, so that waiting for the VIP waits for the new run's mastership.
      ip -n $M addr del $VIP/24 dev eth0 2>/dev/null || true
      failover stop
      set -- $(cat "$work/stop.result")
      echo "$1" >>"$work/stop.txt"
      set -- $(cat "$work/stop-backup.result")
      echo "$1" >>"$work/stop-backup.txt"
      kill -TERM "$bpid"; wait "$bpid" 2>/dev/null || true
      kill -TERM "$mpid" 2>/dev/null || true; wait "$mpid" 2>/dev/null || true
    done
    set -- $(theory "$version" "$advert" 90)
    printf '%-10s %-10s %-9s %12s %12s %12s %12s %15s %12s\n' "$master" "$kind" "v$version/${advert}s" "$1" "$(median <"$work/kill.txt")" \
      "$2" "$(median <"$work/stop.txt")" "$(median <"$work/stop-backup.txt")" "$(median <"$work/garp.txt")"
    echo "  runs (ms): kill $(tr '\n' ' ' <"$work/kill.txt")| stop $(tr '\n' ' ' <"$work/stop.txt")| stop at backup $(tr '\n' ' ' <"$work/stop-backup.txt")| garp $(tr '\n' ' ' <"$work/garp.txt")"
  done
done
for ns in $M $B; do ip netns pids $ns | xargs -r kill -9 2>/dev/null; ip netns del $ns; done
ip link del $br
