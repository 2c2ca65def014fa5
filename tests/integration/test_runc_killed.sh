#!/bin/bash
# Callers killed while seccompd holds their call (--debug-hold-ms): a container's
# init killed by `runc kill`, a process in a container that lives on, and a plain
# process. Each time the call is dropped and counted as caller_gone, nothing is
# made, records of dead containers go, and the daemon goes on serving.
source "$IT_LIB"

require_runtime
HOLD_MS=3000
daemon_start --debug-hold-ms "$HOLD_MS"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
gone_total() { ctl_json .totals.caller_gone stats; }
n_pending() { ctl_json "[.pending[] | select(.container == \"$1\")] | length" pending; }
n_records() { ctl_json "[.containers[] | select(.id == \"$1\")] | length" containers; }
# held ID: one call of container ID is pending, held.
held() {
        [[ "$(ctl_json "[.pending[] | select(.container == \"$1\" and .stage == \"held\")] | length" pending)" == 1 ]]
}
not_pending() { [[ "$(n_pending "$1")" == 0 ]]; }
no_record() { [[ "$(n_records "$1")" == 0 ]]; }
# past_hold T: sleeps until the hold of a call held at T (ms) has surely ended.
past_hold() {
        local left=$(($1 + HOLD_MS + 700 - $(now_ms)))
        ((left <= 0)) || sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
}
# run_detached DIR ID: `runc run -d`, the container's stdio on /dev/null.
run_detached() {
        timeout 30 runc --root "$RUNC_ROOT" run -d --bundle "$1" "$2" </dev/null >/dev/null 2>>"$IT_TMP/stderr.log" ||
                bail "runc run -d $2 failed"
}

# ================ 1. a container's init killed by `runc kill` while its mknod is held
K=$IT_TMP/killed
make_bundle "$K" host
bundle_args "$K" /bin/sc-probe mknod /tmp/held c 1:3 0666
run_detached "$K" it-killed
wait_for "init's mknod is held" 10 held it-killed
held_at=$(now_ms)
init_pid=$(rc_ state it-killed | jq -r .pid)
got=$(ctl_json '.pending[] | select(.container == "it-killed") |
        [.pid, .syscall, .decoded.path, .decoded.dev, .verdict] | map(tostring) | join(" ")' pending)
check_eq "pending: the held call is init's mknod of /tmp/held" "$init_pid mknod /tmp/held 1:3 emulate mknod" "$got"
before=$(gone_total)

rc_ kill it-killed KILL 2>>"$IT_TMP/stderr.log"
rc_ delete -f it-killed >/dev/null 2>>"$IT_TMP/stderr.log"
wait_for "runc kill -9: the held call is dropped" 5 not_pending it-killed
took=$(($(now_ms) - held_at))
check_eq "runc kill -9: dropped before the hold would have ended" yes \
        "$( ((took < HOLD_MS)) && echo yes || echo "no, ${took} ms after it was held")"
check_eq "runc kill -9: the call is counted as caller_gone" $((before + 1)) "$(gone_total)"
wait_for "runc kill -9: the container's record is gone" 5 no_record it-killed
past_hold "$held_at"
check_absent "runc kill -9: no node was made, even after the hold" "$K/rootfs/tmp/held"
daemon_healthy "runc kill -9: the daemon is healthy"

# ================ 2. a process killed in a container that lives on: its listener
# stays open, the hold ends on a caller that is gone
L=$IT_TMP/live
make_bundle "$L" host
cat >"$L/rootfs/init.sh" <<'EOF'
/bin/sc-probe mknod /tmp/bg-held c 1:3 0666 >/tmp/bg.out &
exec sleep 1000
EOF
bundle_args "$L" /bin/sh /init.sh
run_detached "$L" it-live
wait_for "a background process's mknod is held" 10 held it-live
held_at=$(now_ms)
victim=$(ctl_json '.pending[] | select(.container == "it-live") | .pid' pending)
check_eq "pending: the held caller is sc-probe" sc-probe "$(cat "/proc/$victim/comm" 2>&1)"
before=$(gone_total)
kill -KILL "$victim"
wait_for "kill -9 in a live container: the held call is dropped" $((HOLD_MS / 1000 + 3)) not_pending it-live
check_eq "kill -9 in a live container: counted as caller_gone" $((before + 1)) "$(gone_total)"
past_hold "$held_at"
check_absent "kill -9 in a live container: no node was made" "$L/rootfs/tmp/bg-held"
rec=$(ctl_json '.containers[] | select(.id == "it-live") |
        [.listeners, .pending, .counters.received, .counters.caller_gone, .counters.emulated] |
        map(tostring) | join(" ")' containers)
check_eq "kill -9 in a live container: its record stays (listeners, pending, received, gone, emulated)" \
        "1 0 1 1 0" "$rec"
got=$(timeout 30 runc --root "$RUNC_ROOT" exec it-live /bin/sc-probe mknod /tmp/after c 1:3 0666 \
        </dev/null 2>>"$IT_TMP/stderr.log")
check_eq "the live container's next mknod is served (after the hold)" ok "$got"
check_node "the live container's next mknod: node made" "$L/rootfs/tmp/after" "character special file 1:3 644 0:0"
rc_ kill it-live KILL 2>>"$IT_TMP/stderr.log"
rc_ delete -f it-live >/dev/null 2>>"$IT_TMP/stderr.log"
wait_for "the live container's record goes once it is killed" 5 no_record it-live
daemon_healthy "kill -9 in a live container: the daemon is healthy"

# ================ 3. a plain process (no runtime) killed mid-call
D=$IT_TMP/plain
mkdir -p "$D"
"$SC_TRAP" --socket "$SOCK" --id it-plain -- "$SC_PROBE" mknod "$D/held" c 1:3 0600 \
        >"$IT_TMP/plain.out" 2>>"$IT_TMP/stderr.log" &
plain=$!
at_exit '[[ -z $plain ]] || kill -KILL $plain'
wait_for "a plain process's mknod is held" 10 held it-plain
held_at=$(now_ms)
check_eq "pending: the held caller is the plain process" "$plain" \
        "$(ctl_json '.pending[] | select(.container == "it-plain") | .pid' pending)"
before=$(gone_total)
kill -KILL "$plain"
wait "$plain" 2>/dev/null
check_eq "plain process: killed by SIGKILL" 137 "$?"
plain=
wait_for "plain process: the held call is dropped" 5 not_pending it-plain
took=$(($(now_ms) - held_at))
check_eq "plain process: dropped before the hold would have ended" yes \
        "$( ((took < HOLD_MS)) && echo yes || echo "no, ${took} ms after it was held")"
check_eq "plain process: counted as caller_gone" $((before + 1)) "$(gone_total)"
wait_for "plain process: its record is gone" 5 no_record it-plain
past_hold "$held_at"
check_absent "plain process: no node was made" "$D/held"
check_eq "plain process: it printed nothing" "" "$(cat "$IT_TMP/plain.out")"

# ================ 4. after all that, a new container is served normally
N=$IT_TMP/new
make_bundle "$N" host
start=$(now_ms)
got=$(in_container "$N" it-new /bin/sc-probe mknod /tmp/fresh c 1:3 0666)
check_eq "a new container: mknod char 1:3 allowed" ok "$got"
check_node "a new container: node made" "$N/rootfs/tmp/fresh" "character special file 1:3 644 0:0"
took=$(($(now_ms) - start))
check_eq "a new container: the call was held ${HOLD_MS} ms" yes \
        "$( ((took >= HOLD_MS)) && echo yes || echo "no, served in ${took} ms")"
wait_for "a new container: its record goes once it exited" 5 no_record it-new

got=$(ctl_json '[.totals.received, .totals.emulated, .totals.caller_gone, .containers, .pending] |
        map(tostring) | join(" ")' stats)
check_eq "stats: received, emulated, caller_gone, containers, pending" "5 2 3 0 0" "$got"
daemon_healthy "the daemon is healthy at the end"
daemon_stop
