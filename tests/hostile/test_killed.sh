#!/bin/bash
# Callers killed while seccompd holds their call (--debug-hold-ms), one per
# emulator of the nested-containers policy (mknod, mount, umount2, setxattr,
# sysinfo, bpf): each call is dropped at once and counted as caller_gone,
# nothing is made, the daemon leaks no fd and stays healthy. Then pid reuse: a
# held caller is killed and its pid handed to a new process (the host's
# ns_last_pid) before the hold ends; seccompd knows callers by pidfd and by
# notification id (ID_VALID), never by pid number, so the newcomer is left
# alone. Plain processes under sc-trap (no runtime), each in its own mount
# namespace so that not even a failed kill could mount on the host.
source "$IT_LIB"

: "${SC_HOSTILE:?}"
HOLD_MS=2500
P=$IT_TMP/policies
mkdir -p "$P"
cp "$(dirname "$IT_LIB")/../../examples/policies/nested-containers.yaml" "$P/" || bail "no nested-containers.yaml"
daemon_start --policy-dir "$P" --debug-hold-ms "$HOLD_MS"
D=$IT_TMP/killed
mkdir -p "$D/mnt" "$D/x"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
gone_total() { ctl_json .totals.caller_gone stats; }
held() { [[ "$(ctl_json "[.pending[] | select(.container == \"$1\" and .stage == \"held\")] | length" pending)" == 1 ]]; }
not_pending() { [[ "$(ctl_json "[.pending[] | select(.container == \"$1\")] | length" pending)" == 0 ]]; }
no_records() { [[ "$(ctl_json '.containers | length' containers)" == 0 ]]; }
daemon_fds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l; }

# start_victim ID ARG...: sc-hostile ARG... under sc-trap in a private mount
# namespace, in the background; VICTIM is its pid (unshare and sc-trap exec).
start_victim() {
        local id=$1
        shift
        unshare --mount --propagation private \
                "$SC_TRAP" --socket "$SOCK" --id "$id" --metadata policy=nested-containers \
                --syscalls mknod,mknodat,mount,umount2,setxattr,lsetxattr,fsetxattr,sysinfo,bpf \
                -- "$SC_HOSTILE" "$@" >"$IT_TMP/$id.out" 2>>"$IT_TMP/stderr.log" &
        VICTIM=$!
}

fds_before=$(daemon_fds)

# kill_held DESC ID ARG...: the call held, then SIGKILL; dropped before the hold ends.
kill_held() {
        local desc=$1 id=$2 before at took
        shift 2
        start_victim "$id" "$@"
        wait_for "$desc: the call is held" 10 held "$id" || return
        at=$(now_ms)
        check_eq "$desc: the held caller is sc-hostile" "$VICTIM" \
                "$(ctl_json ".pending[] | select(.container == \"$id\") | .pid" pending)"
        before=$(gone_total)
        kill -KILL "$VICTIM"
        wait "$VICTIM" 2>/dev/null
        wait_for "$desc: the held call is dropped" 5 not_pending "$id"
        took=$(($(now_ms) - at))
        check_eq "$desc: dropped before the hold would have ended" yes \
                "$( ((took < HOLD_MS)) && echo yes || echo "no, ${took} ms")"
        check_eq "$desc: counted as caller_gone" $((before + 1)) "$(gone_total)"
        check_eq "$desc: the caller printed nothing" "" "$(cat "$IT_TMP/$id.out")"
}

kill_held "mknod" k-mknod mknod "$D/node" 020600 1:3
kill_held "mount" k-mount mount none "$D/mnt" tmpfs 0 size=1m
kill_held "umount2" k-umount umount2 "$D/mnt" 0
kill_held "setxattr" k-xattr setxattr "$D/x" trusted.overlay.opaque y 1 0
kill_held "sysinfo" k-sysinfo sysinfo @rw
kill_held "bpf" k-bpf bpf-flip 1

sleep "$((HOLD_MS / 1000 + 1))" # every hold has ended: nothing may act late
check_absent "mknod: no node was made, even after the hold" "$D/node"
check_eq "mount: nothing mounted on the host" 0 "$(host_mounts_under "$D")"
check_match "setxattr: nothing was set" 'No such attribute' \
        "$(getfattr -h --absolute-names --only-values -n trusted.overlay.opaque "$D/x" 2>&1)"
wait_for "every record of a killed caller is gone" 5 no_records
check_eq "the daemon holds as many fds as before the kills (none leaked)" "$fds_before" "$(daemon_fds)"
daemon_healthy "the daemon is healthy after the kills"

# ---- pid reuse: the held caller's pid goes to a new process in another cwd
mkdir -p "$D/victim" "$D/newcomer"
cd "$D/victim" || bail "cd"
start_victim k-reuse mknod relative 020600 1:3
victim=$VICTIM
cd - >/dev/null || bail "cd"
wait_for "pid reuse: the call is held" 10 held k-reuse
kill -KILL "$victim"
wait "$victim" 2>/dev/null # reaped: its pid is free
reused=
for ((i = 0; i < 20; i++)); do
        cd "$D/newcomer" || bail "cd"
        echo $((victim - 1)) >/proc/sys/kernel/ns_last_pid
        sleep 30 &
        newcomer=$!
        cd - >/dev/null || bail "cd"
        if ((newcomer == victim)); then
                reused=yes
                break
        fi
        kill "$newcomer"
        wait "$newcomer" 2>/dev/null
done
at_exit "kill $newcomer"
check_eq "pid reuse: a new process got the held caller's pid $victim" yes "$reused"
sleep "$((HOLD_MS / 1000 + 1))"
check_absent "pid reuse: nothing made in the caller's cwd" "$D/victim/relative"
check_absent "pid reuse: nothing made in the newcomer's cwd" "$D/newcomer/relative"
check_eq "pid reuse: the newcomer is untouched and still running" sleep "$(cat "/proc/$newcomer/comm" 2>&1)"
kill "$newcomer"
wait "$newcomer" 2>/dev/null
check_eq "pid reuse: the call is not pending" 0 "$(ctl_json '.pending | length' pending)"
daemon_healthy "the daemon is healthy after the pid reuse"
daemon_stop
