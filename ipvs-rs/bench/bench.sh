#!/bin/bash
# lbadm vs ipvsadm on the same generated table, in one boot of the test VM.
#
#   cargo build --release -p lbkit-examples --bin lbadm
#   cargo build --release -p ipvs --example apply_change
#   cargo xtask vm --share "$PWD" --share "$CARGO_TARGET_DIR" -- \
#     "bash $PWD/ipvs-rs/bench/bench.sh $CARGO_TARGET_DIR/release 1000 10"
#
# Each restore runs in a fresh network namespace (IPVS tables, and the trash
# of deleted destinations, are per namespace). Timings are medians of RUNS
# runs where the operation can repeat (the tools alternating run by run);
# ratios are ipvsadm / lbadm.
set -euo pipefail
BIN=${1:?release dir holding lbadm and examples/apply_change}
SERVICES=${2:-1000}
DESTS=${3:-10}
RUNS=${RUNS:-3}
TMP=$(mktemp -d)
# Run from the VM's RAM like ipvsadm, not over the 9p share (page faults
# over 9p under TCG would be charged to lbadm).
cp "$BIN/lbadm" "$BIN/examples/apply_change" "$TMP/"
LBADM=$TMP/lbadm
APPLY=$TMP/apply_change

gen() { # a table in ipvsadm -S form: 198.18.0.0/15 VIPs, 198.19.0.0/16 real servers
    awk -v n="$SERVICES" -v m="$DESTS" 'BEGIN {
        for (i = 0; i < n; i++) {
            vip = sprintf("198.18.%d.%d:80", int(i / 250), 1 + i % 250)
            printf "-A -t %s -s wlc\n", vip
            for (j = 0; j < m; j++)
                printf "-a -t %s -r 198.19.%d.%d:%d -m -w 1\n", vip, int(i / 250), 1 + i % 250, 8001 + j
        }
    }'
}
now() { echo "${EPOCHREALTIME/./}"; }  # microseconds (busybox date has no %N)
ms() { echo $(( ($2 - $1) / 1000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ns() { ip netns add "$1"; ip -n "$1" link set lo up; }

gen > "$TMP/table"
echo "table: $SERVICES services x $DESTS destinations ($(wc -l < "$TMP/table") lines), runs=$RUNS"

# The two tools run alternately, run by run, so that a change of load on the
# machine during the benchmark weighs on both alike.
restore_once() { # tool run -> ms, in a fresh namespace
    local tool=$1 name t ms
    name=$(basename "$tool")
    ns "r$2$name"
    t=$(now); ip netns exec "r$2$name" "$tool" -R < "$TMP/table"; ms=$(ms "$t" "$(now)")
    [ "$2" = 1 ] && ip netns exec "r$2$name" ipvsadm -S -n > "$TMP/check.$name"
    ip netns del "r$2$name"
    echo "$ms"
}
for i in $(seq "$RUNS"); do
    restore_once ipvsadm "$i" >> "$TMP/r.ipvsadm"
    restore_once "$LBADM" "$i" >> "$TMP/r.lbadm"
done
R_IPVSADM=$(median < "$TMP/r.ipvsadm")
R_LBADM=$(median < "$TMP/r.lbadm")
cmp -s "$TMP/check.ipvsadm" "$TMP/check.lbadm" || { echo "restored tables differ"; exit 1; }

ns t
ip netns exec t "$LBADM" -R < "$TMP/table"
timed() { # label args... -> both tools' medians in ms ("ipvsadm lbadm"), runs alternating
    local label=$1 i t
    shift
    : > "$TMP/t.ipvsadm"; : > "$TMP/t.lbadm"
    for i in $(seq "$RUNS"); do
        t=$(now); ip netns exec t ipvsadm "$@" > /dev/null; ms "$t" "$(now)" >> "$TMP/t.ipvsadm"
        t=$(now); ip netns exec t "$LBADM" "$@" > /dev/null; ms "$t" "$(now)" >> "$TMP/t.lbadm"
    done
    echo "$(median < "$TMP/t.ipvsadm") $(median < "$TMP/t.lbadm")"
}
read -r T_IPVSADM T_LBADM <<< "$(timed timeout -L --timeout)"
read -r L_IPVSADM L_LBADM <<< "$(timed list -Ln)"
read -r S_IPVSADM S_LBADM <<< "$(timed save -S -n)"
ip netns exec t ipvsadm -Ln > "$TMP/list.ipvsadm"
ip netns exec t "$LBADM" -Ln > "$TMP/list.lbadm"
cmp -s "$TMP/list.ipvsadm" "$TMP/list.lbadm" || { echo "listings differ"; exit 1; }

CHANGE=$(for i in $(seq "$RUNS"); do ip netns exec t "$APPLY" 1; done)
echo "$CHANGE" | sed 's/^/  apply_change 1%: /'
C_APPLY=$(echo "$CHANGE" | sed 's/.*plan_apply_us=\([0-9]*\).*/\1/' | median)
C_READ=$(echo "$CHANGE" | sed 's/.*read_us=\([0-9]*\).*/\1/' | median)
ip netns del t

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) b = 1; printf "%.1f", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", 100 * a / b }'; }
printf '%-34s %10s %10s %8s\n' "operation (median ms)" ipvsadm lbadm ratio
printf '%-34s %10s %10s %8s\n' "-R (restore)" "$R_IPVSADM" "$R_LBADM" "$(ratio "$R_IPVSADM" "$R_LBADM")x"
printf '%-34s %10s %10s %8s\n' "-Ln (list)" "$L_IPVSADM" "$L_LBADM" "$(ratio "$L_IPVSADM" "$L_LBADM")x"
printf '%-34s %10s %10s %8s\n' "-S -n (save)" "$S_IPVSADM" "$S_LBADM" "$(ratio "$S_IPVSADM" "$S_LBADM")x"
printf '%-34s %10s %10s %8s\n' "-L --timeout (startup, one call)" "$T_IPVSADM" "$T_LBADM" "$(ratio "$T_IPVSADM" "$T_LBADM")x"
echo "1% change, plan+apply: $((C_APPLY / 1000)) ms = $(pct "$C_APPLY" $((R_LBADM * 1000)))% of lbadm's full restore," \
     "$(pct "$C_APPLY" $((R_IPVSADM * 1000)))% of ipvsadm's; reading the table first: $((C_READ / 1000)) ms"
rm -rf "$TMP"
