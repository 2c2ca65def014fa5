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

# hold_conns SOCKET N SECONDS: N connections left idle for SECONDS (background);
# prints how many were told "busy" into $IT_TMP/busy once they are all open.
hold_conns() {
        python3 - "$@" >"$IT_TMP/busy" 2>>"$IT_TMP/stderr.log" <<'EOF' &
import socket, sys, time
path, n, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
conns, busy = [], 0
for _ in range(n):
    s = socket.socket(socket.AF_UNIX)
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
accept_warnings() { grep -c 'intake: cannot accept\|intake: accept failed' "$IT_TMP/daemon.log"; }

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
nofile=$(prlimit --pid "$DAEMON_PID" --nofile -o SOFT,HARD --noheadings | awk '{ print $1 ":" $2 }')
prlimit --pid "$DAEMON_PID" --nofile="40:${nofile#*:}" || bail "prlimit"
hold_conns "$SOCK" 60 2
wait_for "60 intake connections opened with the daemon at 40 fds" 5 test -s "$IT_TMP/busy"
sleep 1
warnings=$(accept_warnings)
check_eq "intake: out of fds, a few warnings and not a spin" yes \
        "$( ((warnings >= 1 && warnings <= 5)) && echo yes || echo "no: $warnings")"
wait "$HOLDER"
prlimit --pid "$DAEMON_PID" --nofile="$nofile" || bail "prlimit"
sleep 1.2 # the pause ends, the queue drains
registers it-after-emfile
daemon_healthy "the daemon is healthy after the intake floods"

daemon_stop
