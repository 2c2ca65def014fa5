#!/bin/bash
# Crash and upgrade survival (docs/survival.md). Plain processes under real
# filters and a runc container hammer emulated mknod while seccompd is killed
# with SIGKILL and started again 20 times: every call succeeds or fails EINTR
# (an emulation the kill interrupted), as many EINTRs as the restarts logged,
# none hangs, no container is lost. Then live upgrades under load (seccompctl
# upgrade, --binary, SIGUSR2) fail no call; a call held when the daemon is
# killed is run again by the next one; a killed keeper loses the containers but
# the next daemon starts cleanly; SIGTERM ends supervision and the keeper.
source "$IT_LIB"

require_runtime
KEEPER=$IT_TMP/keeper.sock
KILLS=20
# The slowest call allowed: a restart is far quicker; a hang is not.
MAX_CALL_MS=5000

keeper_pid() { pgrep -f -- "--keeper $KEEPER " | head -n 1; }
keeper_kill() {
        local pid
        pid=$(keeper_pid)
        [[ -z "$pid" ]] || kill -KILL "$pid"
}
at_exit keeper_kill
now_ms() { echo $(($(date +%s%N) / 1000000)); }
daemon_pid() { ctl_json .pid ping; }
# kill9: SIGKILL the daemon and reap it (no job report on stderr).
kill9() {
        { kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID"; } 2>/dev/null
        DAEMON_PID=
}
# snapshot: the containers as seccompctl shows them, sorted (id, init pid, policy, hook).
snapshot() {
        ctl_json '[.containers[] | "\(.id) \(.init_pid) \(.policy) \(.hook)"] | sort | join(", ")' containers
}
n_containers() { ctl_json '.containers | length' containers; }
# hammer ID OUT STOP: sc-trap'd hammer in the background (pid in $!).
hammer() {
        timeout -k 2 60 "$SC_TRAP" --socket "$SOCK" --id "$1" -- "$SC_PROBE" hammer "$D" 40000 "$3" \
                >"$2" 2>>"$IT_TMP/stderr.log" &
}
# check_hammer DESC OUT EINTR-ALLOWED: its counts; adds its EINTRs to $EINTRS.
EINTRS=0
check_hammer() {
        local out allowed=$3
        out=$(cat "$2" 2>/dev/null)
        if [[ "$out" =~ ^ok=([0-9]+)\ eintr=([0-9]+)\ other=0\ max_ms=([0-9]+)$ ]] &&
                ((BASH_REMATCH[1] > 0 && BASH_REMATCH[3] < MAX_CALL_MS)) &&
                { [[ "$allowed" == yes ]] || ((BASH_REMATCH[2] == 0)); }; then
                ok "$1: every call ok$([[ $allowed == yes ]] && echo " or EINTR"), none over $MAX_CALL_MS ms ($out)"
                EINTRS=$((EINTRS + BASH_REMATCH[2]))
        else
                not_ok "$1" "expected: ok=N>0 eintr=$([[ $allowed == yes ]] && echo N || echo 0) other=0 max_ms<$MAX_CALL_MS" \
                        "got:      ${out:-nothing}"
        fi
}

# At info level, as in production: debug lines per call would widen the
# window between an emulation's side effect and its answer (it is logged there).
start() { daemon_start --log-level info "$@"; }

D=$IT_TMP/nodes
mkdir -p "$D"
start
check_eq "the daemon started a keeper on keeper.sock beside the control socket" socket \
        "$(stat -c %F "$KEEPER" 2>&1)"

# ============================== 1. SIGKILL and restart, 20 times, under load
STOP=$IT_TMP/stop-1
pids=()
for i in 1 2 3 4; do
        hammer "it-surv-$i-$$" "$IT_TMP/hammer-$i" "$STOP"
        pids+=($!)
done
R=$IT_TMP/runc
make_bundle "$R" host
bundle_args "$R" /bin/sh -c '/bin/sc-probe hammer /tmp 40000 /tmp/stop >/tmp/out'
RID=it-surv-runc-$$
timeout 30 runc --root "$RUNC_ROOT" run -d --bundle "$R" "$RID" </dev/null >/dev/null 2>>"$IT_TMP/stderr.log" ||
        bail "runc run -d $RID failed"
five() { [[ "$(n_containers)" == 5 ]]; }
wait_for "five containers registered (four plain processes, one runc container)" 10 five || bail "no load"
before=$(snapshot)
starts=()
for ((k = 1; k <= KILLS; k++)); do
        sleep 0.2
        kill9
        t0=$(now_ms)
        start
        starts+=($(($(now_ms) - t0)))
done
after=$(snapshot)
check_eq "after $KILLS SIGKILLs: the same containers (ids, init pids, policies)" "$before" "$after"
served=$(ctl_json '[.containers[].counters.received] | add' containers)
check_match "after $KILLS SIGKILLs: the last daemon serves them" '^[1-9][0-9]*$' "$served"
touch "$STOP" "$R/rootfs/tmp/stop"
for p in "${pids[@]}"; do wait "$p"; done
runc_done() { [[ -s "$R/rootfs/tmp/out" ]]; }
wait_for "the runc container's hammer finished" 10 runc_done
for i in 1 2 3 4; do
        check_hammer "plain process $i through $KILLS kills" "$IT_TMP/hammer-$i" yes
done
cp "$R/rootfs/tmp/out" "$IT_TMP/hammer-runc"
check_hammer "runc container through $KILLS kills" "$IT_TMP/hammer-runc" yes
logged=0
for n in $(sed -n 's/.*restore: .* \([0-9]\+\) failed (on_restart errno)$/\1/p' "$IT_TMP/daemon.log"); do
        logged=$((logged + n))
done
check_eq "every EINTR a caller saw is one the restarts logged" "$EINTRS" "$logged"
restores=$(grep -c 'restore: 5 container(s), 5 listener(s) back' "$IT_TMP/daemon.log")
check_eq "each of the $KILLS restarts restored all five containers" "$KILLS" "$restores"
note "restart to answering, ms: ${starts[*]}; calls failed: $EINTRS over $KILLS kills" \
        "($(grep -c 'emulation interrupted' "$IT_TMP/daemon.log") interrupted emulations," \
        "$(grep -c 'received, not recorded' "$IT_TMP/daemon.log") unrecorded;" \
        "$(grep -c 'run again$' "$IT_TMP/daemon.log") run again," \
        "$(grep -c 'point of no return, resumed$' "$IT_TMP/daemon.log") resumed," \
        "$(grep -c 'answered as the previous daemon was about to' "$IT_TMP/daemon.log") answers sent again)"
rc_ kill "$RID" KILL 2>/dev/null
rc_ delete -f "$RID" >/dev/null 2>&1

# ============================== 2. live upgrades under load: no call fails
STOP=$IT_TMP/stop-2
pids=()
for i in 1 2 3; do
        hammer "it-up-$i-$$" "$IT_TMP/up-$i" "$STOP"
        pids+=($!)
done
three() { [[ "$(ctl_json '[.containers[] | select(.id | startswith("it-up-"))] | length' containers)" == 3 ]]; }
wait_for "three more containers registered" 10 three
before=$(snapshot)
old=$(daemon_pid)
out=$(ctl upgrade 2>&1)
check_match "seccompctl upgrade: a new daemon took over" "^upgraded: pid $old -> pid [0-9]+$" "$out"
sleep 0.3
mid=$(daemon_pid)
out=$(ctl upgrade --binary "$SECCOMPD" 2>&1)
check_match "seccompctl upgrade --binary: a new daemon took over" "^upgraded: pid $mid -> pid [0-9]+$" "$out"
sleep 0.3
last=$(daemon_pid)
kill -USR2 "$last"
new_pid() { local p; p=$(daemon_pid); [[ -n "$p" && "$p" != "$last" ]]; }
wait_for "SIGUSR2: a new daemon took over" 10 new_pid
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for "SIGUSR2: the old daemon exited" 10 gone "$last"
sleep 0.3
check_eq "after three upgrades: the same containers" "$before" "$(snapshot)"
touch "$STOP"
for p in "${pids[@]}"; do wait "$p"; done
for i in 1 2 3; do
        check_hammer "process $i through three upgrades" "$IT_TMP/up-$i" no
done
check_eq "upgrades: no call was failed after a restart" 0 \
        "$(grep -c 'answered E[A-Z]* after the restart' <(sed -n '/upgrade to /,$p' "$IT_TMP/daemon.log"))"
check_eq "seccompctl upgrade --binary of a path that is not executable: refused" \
        "seccompctl: upgrade: /nonexistent: not an executable absolute path rc=1" \
        "$(ctl upgrade --binary /nonexistent 2>&1) rc=$?"
# The upgraded daemon is not our child: stop it by its pid.
DAEMON_PID=
up=$(daemon_pid)
kill -KILL "$up"
wait_for "the upgraded daemon is gone" 5 gone "$up"

# ============================== 3. a held call when the daemon is killed
start --debug-hold-ms 3000
probe mknod "$D/held" c 1:3 0666 >"$IT_TMP/held.out" &
held_probe=$!
held() { [[ "$(ctl_json '[.pending[] | select(.stage == "held")] | length' pending)" == 1 ]]; }
wait_for "an emulated mknod is held" 10 held
kill9
start
wait "$held_probe"
check_eq "the held call, after the restart: run again, and it succeeds" ok "$(cat "$IT_TMP/held.out")"
check_node "the held call: the node is made" "$D/held" "character special file 1:3 644 0:0"
check_match "daemon log: the call was run again" "received before the restart, run again" \
        "$(tail -n 30 "$IT_TMP/daemon.log")"

# ============================== 4. the keeper killed too: those containers are lost
STOP=$IT_TMP/stop-4
hammer "it-lost-$$" "$IT_TMP/lost" "$STOP"
lost_pid=$!
one() { [[ "$(ctl_json '[.containers[] | select(.id == "it-lost-'$$'")] | length' containers)" == 1 ]]; }
wait_for "a container to lose is registered" 10 one
kill9
keeper_kill
sleep 0.3
touch "$STOP"
wait "$lost_pid"
check_match "keeper killed: the container's calls fail ENOSYS (no one holds its listener)" \
        '^ok=[0-9]+ eintr=0 other=[1-9][0-9]* max_ms=[0-9]+ first=ENOSYS$' "$(cat "$IT_TMP/lost")"
start
check_match "keeper killed: the next daemon starts cleanly, with none of them" '^0$' "$(n_containers)"
check_match "keeper killed: the next daemon started a new keeper" '^[0-9]+$' "$(keeper_pid)"

# ============================== 5. SIGTERM: supervision ends, the keeper exits
kpid=$(keeper_pid)
daemon_stop
wait_for "SIGTERM: the keeper exits too" 5 gone "$kpid"
check_absent "SIGTERM: the keeper's socket is gone" "$KEEPER"
