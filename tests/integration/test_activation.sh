#!/bin/bash
# seccompd started as a service manager starts it: systemd-socket-activate
# binds the sockets and passes them by name (LISTEN_FDS), the daemon runs with
# exactly the capability bounding set of examples/systemd/seccompd.service and
# reports readiness on NOTIFY_SOCKET; a trapped process registers through the
# passed socket and gets its mknod emulated. Passed fds that are not listening
# unix stream sockets stop start-up with a message that names them.
#
# Environment (set by meson): SECCOMPD_SERVICE (the generated unit), and lib.sh's.
source "$IT_LIB"
: "${SECCOMPD_SERVICE:?}"

for tool in systemd-socket-activate setpriv python3; do
        command -v "$tool" >/dev/null || bail "$tool is not installed (scripts/test.sh installs systemd, util-linux)"
done
D=$IT_TMP/activation
mkdir -p "$D"
# Where seccompd would bind if it did not take the passed sockets: must stay empty.
UNUSED_SOCK=$IT_TMP/unused.sock UNUSED_CTL=$IT_TMP/unused-control.sock

# ---- the unit's capability bounding set, for setpriv, and as /proc shows it
UNIT_CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$SECCOMPD_SERVICE" | tr ' ' '\n' | grep . | sort -u)
[[ -n "$UNIT_CAPS" ]] || bail "no CapabilityBoundingSet= in $SECCOMPD_SERVICE"
bset=-all
mask=0
for cap in $UNIT_CAPS; do
        n=$(sed -nE "s/^#define $cap[[:space:]]+([0-9]+).*/\1/p" /usr/include/linux/capability.h)
        [[ -n "$n" ]] || bail "unknown capability $cap in $SECCOMPD_SERVICE"
        bset+=",+$(tr 'A-Z' 'a-z' <<<"${cap#CAP_}")"
        mask=$((mask | (1 << n)))
done
# What the daemon can have: the unit's set within the one we run under (a
# container may lack some, CAP_SYS_RESOURCE say).
ours=$((16#$(sed -n 's/^CapBnd:\t//p' /proc/self/status)))
((mask == (mask & ours))) || note "not in this machine's bounding set: $(printf '%#x' $((mask & ~ours)))"
UNIT_CAPBND=$(printf '%016x' $((mask & ours)))

# ---- readiness: a datagram socket with an abstract name, as systemd uses
NOTIFY=seccompd-it-notify-$$
python3 - "$NOTIFY" "$IT_TMP/notify.log" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + sys.argv[1])
s.settimeout(120)
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        try:
            out.write(s.recv(4096).decode(errors="replace") + "\n")
        except socket.timeout:
            break
EOF
at_exit "kill $!"
notify_bound() { grep -q "@$NOTIFY\$" /proc/net/unix; }
wait_for "the readiness receiver is listening" 10 notify_bound || bail "no readiness receiver"
notified() { grep -qx "$1" "$IT_TMP/notify.log" 2>/dev/null; }

# activated_start ACTIVATE-ARGS... -- SECCOMPD-ARGS...: under the unit's
# bounding set. systemd-socket-activate binds, then execs seccompd on the first
# connection to one of its sockets (activated_wait's seccompctl, or a poke).
activated_start() {
        local args=()
        while [[ $1 != -- ]]; do
                args+=("$1")
                shift
        done
        shift
        setpriv --bounding-set="$bset" systemd-socket-activate "${args[@]}" -E NOTIFY_SOCKET="@$NOTIFY" \
                "$SECCOMPD" --socket "$UNUSED_SOCK" --lxc-socket "$LXC_SOCK" --log-level debug "$@" >>"$IT_TMP/daemon.log" 2>&1 &
        DAEMON_PID=$!
}

# poke PATH: connects to the unix socket at PATH and hangs up at once.
poke() {
        local i
        for ((i = 0; i < 100; i++)); do
                [[ -S "$1" ]] && break
                sleep 0.1
        done
        python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$1"
}

# activated_wait: until seccompd answers on $CTL.
activated_wait() {
        local i
        for ((i = 0; i < 100; i++)); do
                ctl --json stats >/dev/null 2>&1 && return 0
                kill -0 "$DAEMON_PID" 2>/dev/null || bail "seccompd exited at start-up"
                sleep 0.1
        done
        bail "seccompd did not answer on $CTL within 10 s"
}

# activated_stop: SIGTERM; exits 0 and says STOPPING=1.
activated_stop() {
        local rc
        kill -TERM "$DAEMON_PID"
        timeout 10 tail --pid="$DAEMON_PID" -f /dev/null
        wait "$DAEMON_PID"
        rc=$?
        DAEMON_PID=
        check_eq "seccompd exits with status 0 on SIGTERM" 0 "$rc"
        wait_for "seccompd sent STOPPING=1" 5 notified STOPPING=1
}

# ---- both sockets passed by name
activated_start -l "$SOCK" -l "$CTL" --fdname=intake:control -- --control "$UNUSED_CTL"
activated_wait
check_match "seccompd listens on the passed sockets" \
        "listening on $SOCK \\(OCI\\) and $LXC_SOCK \\(LXC\\), control on $CTL\$" "$(grep -o 'listening on .*' "$IT_TMP/daemon.log" | tail -n 1)"
check_absent "it bound no --socket of its own" "$UNUSED_SOCK"
check_absent "it bound no --control of its own" "$UNUSED_CTL"
wait_for "seccompd sent READY=1" 5 notified READY=1
check_eq "seccompd runs with the unit's capability bounding set" "$UNIT_CAPBND" \
        "$(sed -n 's/^CapBnd:\t//p' "/proc/$DAEMON_PID/status")"

got=$(probe --umask 022 mknod "$D/null" c 1:3 0666)
check_eq "mknod through the passed socket: allowed" ok "$got"
check_node "mknod through the passed socket: made by seccompd" "$D/null" "character special file 1:3 644 0:0"
check_eq "the registration came in on the passed socket" 1 "$(ctl_json .intake.accepted stats)"
check_eq "the mknod was emulated" 1 "$(emulated)"

kill -HUP "$DAEMON_PID" # ExecReload
sleep 0.2
daemon_healthy "seccompd reloads on SIGHUP (ExecReload) and still answers"

# ---- a live upgrade: the new daemon cannot bind the manager's sockets, it
# takes them from the fd keeper (docs/survival.md)
old=$DAEMON_PID
new=
at_exit '[[ -z $new ]] || kill -KILL $new'
out=$(ctl upgrade 2>&1)
check_match "seccompctl upgrade under socket activation: a new daemon took over" "^upgraded: pid $old -> pid [0-9]+\$" "$out"
wait "$old"
check_eq "the old daemon exits with status 0 after the handover" 0 "$?"
new=$(ctl_json .pid ping)
wait_for "the manager was told the new main pid" 5 notified "MAINPID=$new"
check_match "the new daemon listens on the passed sockets" \
        "listening on $SOCK \\(OCI\\) and $LXC_SOCK \\(LXC\\), control on $CTL\$" "$(grep -o 'listening on .*' "$IT_TMP/daemon.log" | tail -n 1)"
check_absent "the new daemon bound no --socket of its own" "$UNUSED_SOCK"
got=$(probe --umask 022 mknod "$D/upgraded" c 1:3 0666)
check_eq "mknod through the passed socket after the upgrade: allowed" ok "$got"
kill -TERM "$new"
timeout 10 tail --pid="$new" -f /dev/null
check_eq "the new daemon exits on SIGTERM" gone "$(kill -0 "$new" 2>/dev/null && echo running || echo gone)"
new=
DAEMON_PID=
if [[ -S "$SOCK" && -S "$CTL" ]]; then
        ok "the passed sockets' files are left for the manager"
else
        not_ok "the passed sockets' files are left for the manager" "expected: sockets at $SOCK, $CTL" \
                "got:      $(ls -l "$SOCK" "$CTL" 2>&1 | tr '\n' ' ')"
fi
rm -f "$SOCK" "$CTL"

# ---- one unnamed socket: the intake; the control socket is bound as usual
: >"$IT_TMP/notify.log"
activated_start -l "$SOCK" -- --control "$CTL"
# Only the intake is passed: connecting to it starts seccompd (which then
# rejects the empty registration).
poke "$SOCK"
activated_wait
check_match "an unnamed passed socket is the intake, control is bound" \
        "listening on $SOCK \\(OCI\\) and $LXC_SOCK \\(LXC\\), control on $CTL\$" "$(grep -o 'listening on .*' "$IT_TMP/daemon.log" | tail -n 1)"
got=$(probe mknod "$D/zero" c 1:5 0600)
check_eq "mknod through the unnamed passed socket: allowed" ok "$got"
check_node "mknod through the unnamed passed socket: made" "$D/zero" "character special file 1:5 600 0:0"
activated_stop
check_absent "the control socket seccompd bound is removed at exit" "$CTL"
rm -f "$SOCK"

# ---- passed fds that are not listening unix stream sockets
# refused DESC WORDS RC OUT: start-up failed with status 1 and a message with WORDS.
refused() {
        check_eq "$1: start-up fails with status 1" 1 "$3"
        check_match "$1: the message says so" "$2" "$4"
        check_absent "$1: no socket bound" "$UNUSED_SOCK"
}

echo data >"$D/file"
# The shell becomes seccompd (exec): LISTEN_PID is its pid, as a manager sets it.
out=$(bash -c 'exec 3<"$0"; LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=intake exec "$@"' "$D/file" \
        "$SECCOMPD" --socket "$UNUSED_SOCK" --lxc-socket "$LXC_SOCK" --control "$UNUSED_CTL" 2>&1)
rc=$?
refused "a regular file passed as intake" \
        'socket activation: passed fd 3 \("intake"\) is a regular file; expected a listening unix stream socket' \
        "$rc" "$out"

systemd-socket-activate --datagram -l "$D/dgram.sock" "$SECCOMPD" --socket "$UNUSED_SOCK" --lxc-socket "$LXC_SOCK" \
        --control "$UNUSED_CTL" >"$IT_TMP/dgram.log" 2>&1 &
pid=$!
dgram_bound() { [[ -S "$D/dgram.sock" ]]; }
wait_for "systemd-socket-activate bound a datagram socket" 10 dgram_bound
# The first datagram starts seccompd.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"x", sys.argv[1])' \
        "$D/dgram.sock"
timeout 10 tail --pid="$pid" -f /dev/null
wait "$pid"
rc=$?
refused "a datagram socket passed" "passed fd 3 is a datagram socket, not SOCK_STREAM" "$rc" \
        "$(grep 'socket activation' "$IT_TMP/dgram.log")"
