#!/bin/bash
# seccompd-shim exec: plain processes under a policy's filter that the shim
# installs itself. A user-namespaced root makes a /dev/null node the kernel would
# refuse it (in a private mount namespace, on a tmpfs); seccompctl shows it while
# it runs. When seccompd is missing, refuses or does not answer, or the policy is
# unknown, the command does not run (125) unless --allow-unsupervised, which
# then runs it with no filter at all; a policy that traps the very calls the
# shim makes around exec neither deadlocks it when accepted nor when refused.
source "$IT_LIB"
: "${SECCOMPD_SHIM:?}"
command -v python3 >/dev/null || bail "python3 is not installed (meson needs it)"

D=$IT_TMP/shim
mkdir -p "$D/dev" "$IT_TMP/policies"
# Traps what the shim and runtimes call between loading the filter and exec; the
# caller condition keeps the filter from leaving any call out, seccompd continues
# every one of them.
cat >"$IT_TMP/policies/trap-runtime.yaml" <<'EOF'
name: trap-runtime
description: every call around exec trapped, and continued
default: continue
rules:
  - syscalls: [futex, execve, close, sendmsg, recvmsg, read, write, poll, ppoll, exit, exit_group,
               rt_sigprocmask, mmap, munmap, brk, openat, newfstatat, prctl, seccomp]
    match:
      caller: {uid: [4242]}
    action: errno EPERM
EOF
sed 's/^name: trap-runtime/name: not-in-the-daemon/' "$IT_TMP/policies/trap-runtime.yaml" >"$D/unknown.yaml"
daemon_start --policy-dir "$IT_TMP/policies"

# shim [SHIM EXEC OPTIONS...] -- CMD...: the exit status; stderr in $IT_TMP/last.err.
shim() {
        timeout -k 2 20 "$SECCOMPD_SHIM" exec --socket "$SOCK" "$@" 2>"$IT_TMP/last.err"
        local rc=$?
        cat "$IT_TMP/last.err" >>"$IT_TMP/stderr.log"
        return $rc
}

# The test's command: in DIR's private /dev, as root of a new user namespace,
# mknod a /dev/null node; say what it is and what filter runs; wait for DIR/go.
cat >"$D/inner.sh" <<'EOF'
mknod "$1/dev/null" c 1 3 2>&1 && stat -c '%F %t:%T %u:%g' "$1/dev/null"
echo "Seccomp=$(awk '$1 == "Seccomp:" { print $2 }' /proc/self/status)"
[ -n "$2" ] || exit 0
touch "$1/ready"
i=0
while [ ! -e "$1/go" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
EOF
# outer.sh DIR CMD...: a tmpfs on DIR/dev in the (private) mount namespace, then CMD.
cat >"$D/outer.sh" <<'EOF'
d=$1
shift
mount -t tmpfs tmpfs "$d/dev" && exec "$@"
EOF

# ---- the kernel refuses mknod c 1:3 to root in a user namespace
got=$(timeout 20 unshare -m sh "$D/outer.sh" "$D" unshare -Ur sh "$D/inner.sh" "$D" 2>&1)
check_match "without seccompd: the kernel refuses mknod c 1:3 in a user namespace" "Operation not permitted" "$got"

# ---- under the shim, seccompd makes it; seccompctl shows the process meanwhile
emulated_before=$(emulated)
unshare -m sh "$D/outer.sh" "$D" "$SECCOMPD_SHIM" exec --socket "$SOCK" --policy default --id it-shim -- \
        unshare -Ur sh "$D/inner.sh" "$D" wait >"$D/out" 2>>"$IT_TMP/stderr.log" &
pid=$!
at_exit "kill -KILL $pid"
ready() { [[ -e "$D/ready" ]]; }
wait_for "under the shim: the command runs" 10 ready
rec=$(ctl_json '.containers[] | select(.id == "it-shim") | [.init_pid, .policy, .listeners, .hook] |
        map(tostring) | join(" ")' containers)
check_eq "seccompctl containers: it-shim with the command's pid, policy default, one listener" \
        "$pid default 1 false" "$rec"
row=$(ctl containers 2>>"$IT_TMP/stderr.log" | awk '$1 == "it-shim" { print $1, $2, $3, $4 }')
check_eq "seccompctl containers (table): the row for it-shim" "it-shim $pid default v1" "$row"
touch "$D/go"
wait "$pid"
check_eq "under the shim: the command's exit status" 0 "$?"
check_eq "under the shim: mknod c 1:3 in a user namespace is made (by seccompd)" \
        "character special file 1:3 0:0" "$(sed -n 1p "$D/out")"
check_eq "under the shim: the command runs under a filter" "Seccomp=2" "$(sed -n 2p "$D/out")"
check_eq "under the shim: seccompd emulated one call" $((emulated_before + 1)) "$(emulated)"
check_absent "the node was made in the private mount namespace only" "$D/dev/null"
gone() { [[ "$(ctl_json '[.containers[] | select(.id == "it-shim")] | length' containers)" == 0 ]]; }
wait_for "it-shim's record is gone once it exited" 5 gone

# ---- only what the policy handles is trapped: a FIFO never leaves the kernel
received_before=$(ctl_json .totals.received stats)
shim --policy default -- mknod "$D/fifo" p
check_eq "mknod FIFO under the shim: succeeds" 0 "$?"
check_eq "mknod FIFO under the shim: seccompd received nothing" "$received_before" "$(ctl_json .totals.received stats)"

# ---- the command's exit status and pid are its own
shim --policy default -- sh -c 'exit 7'
check_eq "the command's exit status comes back" 7 "$?"
got=$(shim --policy default --id it-pid -- sh -c 'echo $$; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t\n" "  "')
check_match "the command has the pid seccompd registered (exec, no fork)" \
        "container it-pid: registered listener \\(init pid ${got%%$'\n'*}," "$(cat "$IT_TMP/daemon.log")"
check_match "as root with CAP_SYS_ADMIN: no no_new_privs" "NoNewPrivs: 0 Seccomp: 2" "$got"
got=$(setpriv --bounding-set -sys_admin "$SECCOMPD_SHIM" exec --socket "$SOCK" --policy default -- \
        grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status 2>>"$IT_TMP/stderr.log" | tr -s "\t\n" "  ")
check_eq "without CAP_SYS_ADMIN: no_new_privs is set (the kernel requires it)" "NoNewPrivs: 1 Seccomp: 2 " "$got"

# ---- failures before exec: 125, the command did not run
shim --socket "$IT_TMP/missing.sock" --policy default -- touch "$D/m1"
check_eq "no daemon: exit status 125" 125 "$?"
check_absent "no daemon: the command did not run" "$D/m1"
check_match "no daemon: says so" "cannot connect to seccompd at $IT_TMP/missing.sock" "$(cat "$IT_TMP/last.err")"

got=$(shim --socket "$IT_TMP/missing.sock" --allow-unsupervised --policy default -- \
        sh -c 'touch "$1"; awk "\$1 == \"Seccomp:\" { print \$2 }" /proc/self/status' _ "$D/m2")
check_eq "no daemon, --allow-unsupervised: exit status 0" 0 "$?"
check_eq "no daemon, --allow-unsupervised: the command ran" yes "$([[ -e "$D/m2" ]] && echo yes)"
check_eq "no daemon, --allow-unsupervised: with no filter" 0 "$got"
check_match "no daemon, --allow-unsupervised: warns" "WITHOUT seccompd supervision" "$(cat "$IT_TMP/last.err")"

shim --policy no-such-policy -- touch "$D/m3"
check_eq "unknown policy: exit status 125" 125 "$?"
check_absent "unknown policy: the command did not run" "$D/m3"
check_match "unknown policy: names it" "no policy \"no-such-policy\"" "$(cat "$IT_TMP/last.err")"

# The policy traps every call the shim makes around exec: refused, they fail at
# once (ENOSYS) instead of waiting for a listener nobody reads.
rejected_before=$(ctl_json .intake.rejected stats)
start=$SECONDS
shim --policy "$D/unknown.yaml" -- touch "$D/m4"
check_eq "seccompd answers error: exit status 125" 125 "$?"
check_match "seccompd answers error: no wait, though the policy traps the calls around exec" "^[0-2]$" \
        "$((SECONDS - start))"
check_absent "seccompd answers error: the command did not run" "$D/m4"
check_match "seccompd answers error: says why" "seccompd refused the listener: unknown policy \"not-in-the-daemon\"" \
        "$(cat "$IT_TMP/last.err")"
check_eq "seccompd answers error: it did refuse" $((rejected_before + 1)) "$(ctl_json .intake.rejected stats)"

# The filter is in place by then, in the main thread only: the helper thread that
# handed it over execs the command with none.
got=$(shim --policy "$D/unknown.yaml" --allow-unsupervised -- awk '$1 == "Seccomp:" { print $2 }' /proc/self/status)
check_eq "seccompd answers error, --allow-unsupervised: the command runs with no filter" 0 "$got"

# A daemon that takes the connection and never answers.
timeout 20 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
c, _ = s.accept()
time.sleep(10)' "$IT_TMP/mute.sock" &
mute=$!
at_exit "kill -KILL $mute"
mute_up() { [[ -S "$IT_TMP/mute.sock" ]]; }
wait_for "a mute daemon listens" 10 mute_up
start=$SECONDS
shim --socket "$IT_TMP/mute.sock" --timeout 1 --policy default -- touch "$D/m5"
check_eq "no answer in time: exit status 125" 125 "$?"
check_absent "no answer in time: the command did not run" "$D/m5"
check_match "no answer in time: says so" "did not answer within 1 s" "$(cat "$IT_TMP/last.err")"
check_match "no answer in time: gives up after about --timeout" "^[0-3]$" "$((SECONDS - start))"
kill -KILL "$mute" 2>/dev/null
wait "$mute" 2>/dev/null

shim --policy default -- "$D/no-such-command"
check_eq "command not found: exit status 127" 127 "$?"

# ---- the calls around exec trapped and accepted: seccompd answers them
before=$(ctl_json '[.totals.received, .totals.continued] | map(tostring) | join(" ")' stats)
got=$(shim --policy-dir "$IT_TMP/policies" --policy trap-runtime -- sh -c 'echo ran')
check_eq "policy trapping futex, execve, close, sendmsg, read...: the command runs" ran "$got"
after=$(ctl_json '[.totals.received, .totals.continued] | map(tostring) | join(" ")' stats)
read -r r0 c0 <<<"$before"
read -r r1 c1 <<<"$after"
check_match "policy trapping the calls around exec: seccompd answered them" "^[1-9]" "$((r1 - r0))"
check_eq "policy trapping the calls around exec: every one continued" $((r1 - r0)) $((c1 - c0))

check_eq "nothing is pending at the end" 0 "$(ctl_json '.pending | length' pending)"
daemon_healthy "the daemon is healthy after the shim's runs"
daemon_stop
