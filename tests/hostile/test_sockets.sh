#!/bin/bash
# The daemon's two sockets under abuse: many connections opened and left idle
# (bounded per socket, the daemon never runs out of fds and never spins when it
# does), fake listener fds at intake (a socket, an eventfd, a seccomp listener
# whose process already exited), and gigantic, truncated, NUL-carrying and
# non-UTF-8 control requests. After each, the daemon still serves.
source "$IT_LIB"

command -v python3 >/dev/null || bail "python3 is not installed"
daemon_start
D=$IT_TMP/sockets
mkdir -p "$D"

# hold_conns SOCKET N SECONDS [stream|seqpacket]: N connections left idle for
# SECONDS (background); prints how many were told "busy" into $IT_TMP/busy once
# they are all open.
hold_conns() {
        rm -f "$IT_TMP/busy"
        python3 - "$@" >"$IT_TMP/busy" 2>>"$IT_TMP/stderr.log" <<'EOF' &
import socket, sys, time
path, n, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
kind = socket.SOCK_SEQPACKET if sys.argv[4:] == ["seqpacket"] else socket.SOCK_STREAM
conns, busy = [], 0
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, kind)
    try:
        s.connect(path)
    except OSError:
        busy += 1
        continue
    conns.append(s)
time.sleep(0.5)
for s in conns:
    s.setblocking(False)
    try:
        if b"busy" in s.recv(4096):
            busy += 1
    except OSError:
        pass
print(busy, flush=True)
time.sleep(secs)
EOF
        HOLDER=$!
}
registers() { # registers ID: a trapped mknod through a fresh registration is served
        check_eq "$1: a registration is served" ok \
                "$(trapped --id "$1" -- "$SC_PROBE" mknod "$D/$1" c 1:3 0600)"
}
accept_warnings() { grep -c "$1: cannot accept" "$IT_TMP/daemon.log"; }

# ---- intake: idle connections beyond the bound are refused, not kept
hold_conns "$SOCK" 100 3
wait_for "100 idle intake connections opened" 5 test -s "$IT_TMP/busy"
check_eq "intake: the 36 beyond 64 in progress are told busy" 36 "$(cat "$IT_TMP/busy")"
fds=$(find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l)
check_eq "intake: the daemon holds fewer than 100 fds for them" yes "$( ((fds < 100)) && echo yes || echo "no: $fds")"
wait "$HOLDER"
registers it-after-idle

# ---- intake: out of fds, the daemon pauses accepting instead of spinning
# Only the soft limit: the hard one cannot be raised again from outside.
# The LXC socket (SOCK_SEQPACKET) the same way.
nofile=$(prlimit --pid "$DAEMON_PID" --nofile -o SOFT,HARD --noheadings | awk '{ print $1 ":" $2 }')
cpu() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
# starved WHAT SOCKET KIND: 60 connections while the daemon may hold 40 fds.
starved() {
        local before
        prlimit --pid "$DAEMON_PID" --nofile="40:${nofile#*:}" || bail "prlimit"
        before=$(cpu)
        hold_conns "$2" 60 2 "$3"
        wait_for "$1: 60 connections opened with the daemon at 40 fds" 5 test -s "$IT_TMP/busy"
        sleep 1
        warnings=$(accept_warnings "$1")
        check_eq "$1: out of fds, a few warnings and not a spin" yes \
                "$( ((warnings >= 1 && warnings <= 5)) && echo yes || echo "no: $warnings")"
        check_eq "$1: out of fds, the daemon does not spin (CPU ticks)" yes \
                "$( (($(cpu) - before < 50)) && echo yes || echo "no: $(($(cpu) - before))")"
        wait "$HOLDER"
        prlimit --pid "$DAEMON_PID" --nofile="$nofile" || bail "prlimit"
        sleep 1.2 # the pause ends, the queue drains
}
starved intake "$SOCK" stream
registers it-after-emfile
starved lxc "$LXC_SOCK" seqpacket
registers it-after-lxc-emfile
daemon_healthy "the daemon is healthy after the intake floods"

# ---- intake: fake listener fds; each refused with a reason, the call unserved
fake() {
        local kind=$1 got
        got=$(trapped --id "it-fake-$kind" --ack --fd "$kind" -- "$SC_PROBE" mknod "$D/fake-$kind" c 1:3 0600)
        check_eq "a $kind in place of the listener: the call is not served" errno=ENOSYS "$got"
        check_match "a $kind in place of the listener: the daemon says why" '^error .+' "$(last_ack)"
        check_absent "a $kind in place of the listener: nothing is made" "$D/fake-$kind"
}
for kind in socket eventfd; do
        fake "$kind"
done
# A real listener whose processes have all exited: nothing tells it from the
# caller's own, so it is accepted; it can only hang up, and the daemon closes
# it at once instead of polling it (the call goes to no listener: ENOSYS).
got=$(trapped --id it-fake-dead --ack --fd dead -- "$SC_PROBE" mknod "$D/fake-dead" c 1:3 0600)
check_eq "a dead process's listener: the call is not served" errno=ENOSYS "$got"
check_eq "a dead process's listener: accepted" "ok it-fake-dead" "$(last_ack)"
check_absent "a dead process's listener: nothing is made" "$D/fake-dead"
before=$(cpu)
sleep 1
check_eq "a dead process's listener: the daemon does not spin on it (CPU ticks in 1 s)" yes \
        "$( (($(cpu) - before < 20)) && echo yes || echo "no: $(($(cpu) - before))")"
daemon_healthy "the daemon is healthy after the fake listeners"

# ---- control: hostile requests, each answered with one valid JSON document
# ask_raw PYTHON-BYTES-EXPR [shut|open]: sends the bytes (then half-closes
# unless "open"), prints the reply; "(none)" when the daemon closed without one.
ask_raw() {
        python3 - "$CTL" "$1" "${2:-shut}" 2>>"$IT_TMP/stderr.log" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(8)
try:
    s.sendall(eval(sys.argv[2]))
    if sys.argv[3] == "shut":
        s.shutdown(socket.SHUT_WR)
except OSError:
    pass
out = b""
try:
    while chunk := s.recv(65536):
        out += chunk
except OSError:
    pass
sys.stdout.write(out.decode("utf-8", "replace") if out else "(none)")
EOF
}
# control_case DESC BYTES ERROR-ERE: the reply is JSON whose .error matches.
control_case() {
        local reply
        reply=$(ask_raw "$2")
        check_match "control, $1: an error document" "$3" "$(jq -r '.error // "no error"' <<<"$reply" 2>&1)"
}
control_case "70 KiB without a newline" 'b"a" * 70000' '^request too long$'
control_case "a request over the limit with its newline" 'b"stats " + b"x" * 70000 + b"\n"' '^request too long$'
control_case "truncated: 'sta' then EOF" 'b"sta"' "^unknown command 'sta'$"
control_case "invalid UTF-8" 'b"\xff\xfe\xc0\x80\n"' '^unknown command .\\xff\\xfe\\xc0\\x80.$'
control_case "register with broken JSON" 'b"register {\"ociVersion\": \n"' '.+'
control_case "register with JSON nested 10000 deep" 'b"register " + b"[" * 10000 + b"\n"' '.+'
# A C string would end at the NUL: "reload\0..." must not reload.
control_case "a NUL inside the line" 'b"reload\x00stats\n"' '^request contains a NUL byte$'
# A client that sends half a line and waits is dropped after the timeout.
start=$(date +%s)
check_eq "control: half a request, never finished: dropped without a reply" "(none)" "$(ask_raw 'b"stat"' open)"
took=$(($(date +%s) - start))
check_eq "control: dropped within the 5 s timeout" yes "$( ((took <= 7)) && echo yes || echo "no: ${took} s")"
# Idle connections beyond the bound are told busy; the intake still serves.
hold_conns "$CTL" 40 2
wait_for "40 idle control connections opened" 5 test -s "$IT_TMP/busy"
check_eq "control: the 24 beyond 16 are told busy" 24 "$(cat "$IT_TMP/busy")"
registers it-during-idle-control
wait "$HOLDER"
daemon_healthy "the daemon is healthy after the control abuse"

daemon_stop
