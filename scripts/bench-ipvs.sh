#!/usr/bin/env bash
# IPVS table benchmark, run inside the lab (npm run bench): restore 100
# services x 100 real servers with lvsadm -R and ipvsadm -R into two fresh
# namespaces of the same boot, then list with -Ln and -S -n. Prints each median
# time and the ratio lvsadm/ipvsadm; listing ratios are also given with a bare
# `node -e 0` start-up taken off lvsadm's time.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lvsadm="$here/bin/lvsadm"
ipvsadm=/usr/sbin/ipvsadm
node=$(command -v node)
services=${BENCH_SERVICES:-100}
servers=${BENCH_SERVERS:-100}
rounds=${BENCH_ROUNDS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"; ip netns del bench-ref 2>/dev/null; ip netns del bench-lvs 2>/dev/null; true' EXIT

for ns in bench-ref bench-lvs; do
  ip netns del $ns 2>/dev/null || true
  ip netns add $ns
  ip -n $ns link set lo up
  ip -n $ns link add lan0 type dummy
  ip -n $ns link set lan0 up
  ip -n $ns addr add 10.200.0.1/16 dev lan0
done

rules="$work/rules"
for ((s = 0; s < services; s++)); do
  echo "-A -t 10.100.$((s / 250)).$((s % 250 + 1)):80 -s wlc"
  for ((r = 0; r < servers; r++)); do
    echo "-a -t 10.100.$((s / 250)).$((s % 250 + 1)):80 -r 10.200.$((r / 250)).$((r % 250 + 2)):8080 -m -w $((r % 5 + 1))"
  done
done >"$rules"

now() { date +%s%N; }
# Page faults are what the lab kernel makes dear (tens of microseconds each,
# against a few on bare metal): counted with GNU time when it is there.
gnu_time=/usr/bin/time
[ -x "$gnu_time" ] || gnu_time=
# time_ms NS CMD... < input: wall time in ms of one run, output discarded;
# with FAULTS=FILE, the run's minor page faults are appended to FILE.
time_ms() {
  local ns=$1; shift
  local t0 t1
  if [ -n "${FAULTS:-}" ] && [ -n "$gnu_time" ]; then
    t0=$(now); "$gnu_time" -f %R -a -o "$FAULTS" ip netns exec "$ns" "$@" >/dev/null; t1=$(now)
  else
    t0=$(now); ip netns exec "$ns" "$@" >/dev/null; t1=$(now)
  fi
  echo $(( (t1 - t0) / 1000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.1f", m/1000}'; }

restore_round() { # ns tool -> ms
  local ns=$1 tool=$2
  ip netns exec "$ns" "$ipvsadm" -C
  local t0 t1
  t0=$(now); ip netns exec "$ns" "$tool" -R <"$rules"; t1=$(now)
  echo $(( (t1 - t0) / 1000 ))
}

lines=$(wc -l <"$rules")
echo "lab kernel $(uname -r), $services services x $servers real servers ($lines rules), $rounds rounds, medians"

# Rounds interleave the two tools (and the bare start-up), so that the
# shared host's drift falls on both alike.
m="$work/ms"; mkdir -p "$m"
for ((i = 0; i < rounds; i++)); do
  # Outside the namespace: the start-up taken off lvsadm's time is node's alone (not ip netns exec's too).
  t0=$(now); ${gnu_time:+"$gnu_time" -f %R -a -o "$m/node_pf"} "$node" -e 0; t1=$(now); echo $(( (t1 - t0) / 1000 )) >>"$m/node"
  restore_round bench-ref "$ipvsadm" >>"$m/ref_restore"
  restore_round bench-lvs "$lvsadm" >>"$m/lvs_restore"
  FAULTS=$m/ref_ln_pf time_ms bench-ref "$ipvsadm" -Ln >>"$m/ref_ln"; FAULTS=$m/lvs_ln_pf time_ms bench-lvs "$lvsadm" -Ln >>"$m/lvs_ln"
  time_ms bench-ref "$ipvsadm" -S -n >>"$m/ref_sn"; time_ms bench-lvs "$lvsadm" -S -n >>"$m/lvs_sn"
done

a=$(ip netns exec bench-ref "$ipvsadm" -Sn | sort | md5sum); b=$(ip netns exec bench-lvs "$ipvsadm" -Sn | sort | md5sum)
[ "$a" = "$b" ] || { echo "bench: the two restored tables differ" >&2; exit 1; }

node_ms=$(median <"$m/node")
ref_restore=$(median <"$m/ref_restore"); lvs_restore=$(median <"$m/lvs_restore")
ref_ln=$(median <"$m/ref_ln"); lvs_ln=$(median <"$m/lvs_ln")
ref_sn=$(median <"$m/ref_sn"); lvs_sn=$(median <"$m/lvs_sn")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
less() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = 0; printf "%.1f", d }'; }

printf '\n%-34s %12s %12s %8s\n' "operation" "ipvsadm ms" "lvsadm ms" "ratio"
printf '%-34s %12s %12s %8s\n' "node -e 0 (bare start-up)" "" "$node_ms" ""
printf '%-34s %12s %12s %8s\n' "restore -R" "$ref_restore" "$lvs_restore" "$(ratio "$lvs_restore" "$ref_restore")"
printf '%-34s %12s %12s %8s\n' "list -Ln" "$ref_ln" "$lvs_ln" "$(ratio "$lvs_ln" "$ref_ln")"
printf '%-34s %12s %12s %8s\n' "list -Ln, node start-up off" "$ref_ln" "$(less "$lvs_ln" "$node_ms")" "$(ratio "$(less "$lvs_ln" "$node_ms")" "$ref_ln")"
printf '%-34s %12s %12s %8s\n' "save -S -n" "$ref_sn" "$lvs_sn" "$(ratio "$lvs_sn" "$ref_sn")"
printf '%-34s %12s %12s %8s\n' "save -S -n, node start-up off" "$ref_sn" "$(less "$lvs_sn" "$node_ms")" "$(ratio "$(less "$lvs_sn" "$node_ms")" "$ref_sn")"
if [ -n "$gnu_time" ]; then
  count() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  printf '\nminor page faults (medians): node -e 0 %s, ipvsadm -Ln %s, lvsadm -Ln %s\n' \
    "$(count <"$m/node_pf")" "$(count <"$m/ref_ln_pf")" "$(count <"$m/lvs_ln_pf")"
fi
