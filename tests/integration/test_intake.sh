#!/bin/bash
# The OCI listenerPath intake: every layout runc (or another runtime) may use is
# accepted; each malformed registration is refused with a reason, its listener is
# dropped (the trapped call then fails ENOSYS, as with no agent at all), and the
# daemon goes on serving.
source "$IT_LIB"

daemon_start
D=$IT_TMP/intake
mkdir -p "$D"
accepted=0
rejected=0

check_eq "the intake socket is mode 0600" 600 "$(stat -c %a "$SOCK")"

# accepted DESC ID [SC-TRAP OPTIONS...]: registration succeeds and the trapped
# mknod is emulated.
accepted() {
        local desc=$1 id=$2 got
        shift 2
        got=$(trapped --id "$id" --ack "$@" -- "$SC_PROBE" mknod "$D/$id" c 1:3 0600)
        check_eq "$desc: the call is served" ok "$got"
        check_eq "$desc: the daemon acknowledges" "ok $id" "$(last_ack)"
        check_node "$desc: the node is made" "$D/$id" "character special file 1:3 600 0:0"
        accepted=$((accepted + 1))
}

# rejected DESC ID [SC-TRAP OPTIONS...]: refused with a reason, the trapped call is
# not served, nothing is made, the daemon is still there.
rejected() {
        local desc=$1 id=$2 got
        shift 2
        got=$(trapped --id "$id" --ack "$@" -- "$SC_PROBE" mknod "$D/$id" c 1:3 0600)
        check_eq "$desc: the call is not served" errno=ENOSYS "$got"
        check_match "$desc: the daemon says why" '^error .+' "$(last_ack)"
        check_absent "$desc: nothing is made" "$D/$id"
        rejected=$((rejected + 1))
        daemon_healthy "$desc: the daemon goes on"
}

# ---- layouts that must be accepted
accepted "compact JSON, one sendmsg (runc)" it-compact
accepted "pretty-printed JSON" it-pretty --pretty
accepted "message in three sendmsg calls, fd with the second" it-split --split 3
accepted "64 KiB message" it-64k --pad 65536
# runc 1.1.5 keeps the connection open until it exits (`runc run` runs as long
# as the container): the daemon must act on the complete JSON, not on EOF.
accepted "connection left open, as runc 1.1 does" it-open --keep-open
accepted "another ociVersion and unknown fields" it-other \
        --json '{"ociVersion":"1.2.0","fds":["seccompFd"],"pid":@PID@,"metadata":"policy=default","future":[1,{"x":null}],"state":{"ociVersion":"1.2.0","id":"it-other","status":"creating","pid":@PID@,"bundle":"/","annotations":{"a":"b"}}}'

# ---- malformed registrations
state() { # state ID FDS PID: a state with the given fds list and pid
        printf '{"ociVersion":"1.0.2","fds":%s,"pid":%s,"metadata":"policy=default","state":{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":%s,"bundle":"/"}}' \
                "$2" "$3" "$1" "$3"
}
rejected "not JSON" it-garbage --json 'this is not json'
rejected "JSON with a trailing comma" it-comma --json "$(state it-comma '["seccompFd"]' @PID@ | sed 's/}}$/,}}/')"
rejected "JSON that is not an object" it-array --json '["seccompFd"]'
rejected "no seccompFd in fds" it-nofdname --json "$(state it-nofdname '[]' @PID@)"
rejected "fds names another fd" it-otherfd --json "$(state it-otherfd '["otherFd"]' @PID@)"
rejected "seccompFd named but no fd attached" it-nofd --fd none
rejected "the fd is a pipe, not a seccomp listener" it-pipe --fd pipe
rejected "pid is a string" it-pidstr --json "$(state it-pidstr '["seccompFd"]' '"@PID@"')"
rejected "state without an id" it-noid \
        --json '{"ociVersion":"1.0.2","fds":["seccompFd"],"pid":@PID@,"metadata":"policy=default","state":{"status":"creating","pid":@PID@}}'
sleep 0 &
dead=$!
wait "$dead"
rejected "pid of a process that does not exist" it-deadpid --pid "$dead"
rejected "message truncated to 60 bytes" it-trunc --truncate 60
rejected "message truncated mid-way, connection kept open" it-trunc-open --truncate 100 --keep-open
rejected "message over 1 MiB" it-huge --pad $((1100 * 1024))

# An id in use by another live process is a different container: refused.
timeout 30 "$SC_TRAP" --socket "$SOCK" --id it-dup -- sleep 20 2>>"$IT_TMP/stderr.log" &
holder=$!
at_exit "kill $holder"
has_dup() { [[ "$(ctl_json '[.containers[] | select(.id == "it-dup")] | length' containers)" == 1 ]]; }
wait_for "a live process registered as it-dup" 5 has_dup
accepted=$((accepted + 1))
rejected "the id of a running container, another pid" it-dup
kill "$holder"
wait "$holder" 2>/dev/null

# Only root may register: a non-root peer that can reach the socket (it has
# CAP_DAC_OVERRIDE) is refused by SO_PEERCRED; one that cannot gets EACCES.
got=$(timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
        --inh-caps=+dac_override --ambient-caps=+dac_override -- \
        "$SC_TRAP" --socket "$SOCK" --id it-nobody --ack -- "$SC_PROBE" mknod "$D/it-nobody" c 1:3 0600 \
        2>"$IT_TMP/last.err")
cat "$IT_TMP/last.err" >>"$IT_TMP/stderr.log"
check_eq "non-root peer: the call is not served" errno=ENOSYS "$got"
check_match "non-root peer: the daemon says why" '^error .+' "$(last_ack)"
check_absent "non-root peer: nothing is made" "$D/it-nobody"
rejected=$((rejected + 1))
got=$(timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups -- \
        "$SC_TRAP" --socket "$SOCK" --id it-nobody2 -- "$SC_PROBE" mknod "$D/it-nobody2" c 1:3 0600 2>&1)
check_match "non-root peer without DAC override: cannot connect" 'connect .*Permission denied' "$got"

# ---- after all that, the daemon still serves and counted everything
daemon_healthy "the daemon is healthy after the malformed registrations"
accepted "a valid registration after them" it-after
check_eq "stats: accepted registrations counted" "$accepted" "$(ctl_json .intake.accepted stats)"
check_eq "stats: rejected registrations counted" "$rejected" "$(ctl_json .intake.rejected stats)"

daemon_stop
