#!/bin/bash
# seccompctl against a real daemon: clear errors without one (or with a dead
# one's socket), calls held by --debug-hold-ms as `pending` shows them (table
# and JSON), `containers` and `stats` in both forms with counts that match the
# calls made, and non-root clients refused with a message that says why.
source "$IT_LIB"

HOLD_MS=3000
D=$IT_TMP/ctl
mkdir -p "$D"

# sctl ARGS...: seccompctl on our socket; prints stdout, then "rc=N", then
# stderr (one stream, so a check sees all three).
sctl() {
        local out err rc
        out=$("$SECCOMPCTL" --control "$CTL" "$@" 2>"$IT_TMP/ctl.err")
        rc=$?
        err=$(cat "$IT_TMP/ctl.err")
        printf '%s\nrc=%s\n%s' "$out" "$rc" "$err"
}

# field TEXT LABEL: the value after "LABEL:" in `seccompctl stats` output.
field() {
        sed -n "s/^$2: *//p" <<<"$1"
}

# ---- 1. no daemon at all
want_down="seccompctl: seccompd is not running (no control socket at $CTL)"
check_eq "no daemon: stats fails with exit 1 and says the daemon is not running" \
        "$(printf '\nrc=1\n%s' "$want_down")" "$(sctl stats)"
check_eq "no daemon: pending --json prints nothing on stdout, exit 1" \
        "$(printf '\nrc=1\n%s' "$want_down")" "$(sctl --json pending)"
check_match "usage: no command is a usage error (exit 2)" $'^\nrc=2\nseccompctl: expected .*command.*; see --help$' \
        "$(sctl)"
check_eq "usage: an unknown command is a usage error (exit 2)" \
        "$(printf '\nrc=2\n%s' 'seccompctl: unknown command "bogus"; see --help')" "$(sctl bogus)"

# ---- 2. an idle daemon
daemon_start --debug-hold-ms "$HOLD_MS"
check_eq "the control socket is mode 0600" 600 "$(stat -c %a "$CTL")"
check_eq "ping names the daemon's pid" "$(printf 'seccompd is running (pid %s)\nrc=0\n' "$DAEMON_PID")" \
        "$(sctl ping)"
for cmd in pending containers stats ping; do
        check_eq "--json $cmd: one JSON object" object "$(ctl --json "$cmd" 2>>"$IT_TMP/stderr.log" | jq -r type 2>&1)"
done
check_eq "idle: pending is an empty list" 0 "$(ctl_json '.pending | length' pending)"
check_eq "idle: the pending table has only its header" \
        "$(printf 'ID  CONTAINER  PID  SYSCALL  ARGS  AGE  STAGE\nrc=0\n')" "$(sctl pending)"
check_eq "idle: the containers table has only its header" \
        "$(printf 'ID  PID  POLICY  LISTENERS  RECEIVED  CONTINUED  ERRNO  EMULATED  FAILED  GONE  LIMITED\nrc=0\n')" \
        "$(sctl containers)"

# ---- 3. two calls held: what `pending` shows
"$SC_TRAP" --socket "$SOCK" --id ctl-mknod -- "$SC_PROBE" --umask 022 mknod "$D/held" c 1:3 0640 \
        >"$IT_TMP/bg1.out" 2>>"$IT_TMP/stderr.log" &
bg1=$!
"$SC_TRAP" --socket "$SOCK" --id ctl-mknodat -- "$SC_PROBE" --umask 022 mknodat - "$D/held-at" c 1:5 0600 \
        >"$IT_TMP/bg2.out" 2>>"$IT_TMP/stderr.log" &
bg2=$!
at_exit '[[ -z $bg1 ]] || kill -KILL $bg1 $bg2'
both_held() {
        [[ "$(ctl_json '[.pending[] | select(.stage == "held")] | length' pending)" == 2 ]]
}
wait_for "two calls are held" 5 both_held

p=$(ctl --json pending 2>>"$IT_TMP/stderr.log")
one() { jq -r --arg c "$1" ".pending[] | select(.container == \$c) | $2" <<<"$p"; }
check_match "pending --json: id is 16 hex digits" '^[0-9a-f]{16}$' "$(one ctl-mknod .id)"
check_eq "pending --json: ids differ" 2 "$(jq '[.pending[].id] | unique | length' <<<"$p")"
check_eq "pending --json mknod: container, pid, syscall, stage, verdict" \
        "ctl-mknod $bg1 mknod held emulate mknod" \
        "$(one ctl-mknod '[.container, .pid, .syscall, .stage, .verdict] | map(tostring) | join(" ")')"
check_eq "pending --json mknod: raw args (mode 020640 = 0x21a0, dev 1:3 = 0x103)" "6 0x21a0 0x103" \
        "$(one ctl-mknod '[(.args | length), .args[1], .args[2]] | map(tostring) | join(" ")')"
check_eq "pending --json mknod: decoded path, type, mode, dev; no dirfd" "$D/held char 020640 1:3 null" \
        "$(one ctl-mknod '.decoded | [.path, .type, .mode, .dev, .dirfd] | map(tostring) | join(" ")')"
check_eq "pending --json mknodat: container, pid, syscall, stage, verdict" \
        "ctl-mknodat $bg2 mknodat held emulate mknod" \
        "$(one ctl-mknodat '[.container, .pid, .syscall, .stage, .verdict] | map(tostring) | join(" ")')"
check_eq "pending --json mknodat: decoded dirfd (AT_FDCWD), path, type, mode, dev" \
        "-100 $D/held-at char 020600 1:5" \
        "$(one ctl-mknodat '.decoded | [.dirfd, .path, .type, .mode, .dev] | map(tostring) | join(" ")')"
age=$(one ctl-mknod .age_us)
check_eq "pending --json: age_us is within the hold" yes \
        "$( [[ $age =~ ^[0-9]+$ ]] && ((age > 0 && age < HOLD_MS * 1000)) && echo yes || echo "no: '$age'")"

table=$(ctl pending 2>>"$IT_TMP/stderr.log")
check_eq "pending table: header" "ID CONTAINER PID SYSCALL ARGS AGE STAGE" "$(head -n 1 <<<"$table" | tr -s ' ')"
check_match "pending table: the mknod row" \
        "^[0-9a-f]{16} +ctl-mknod +$bg1 +mknod +$D/held char 020640 1:3 +[0-9.]+(us|ms|s) +held\$" \
        "$(grep ' ctl-mknod ' <<<"$table")"
check_match "pending table: the mknodat row" "^[0-9a-f]{16} +ctl-mknodat +$bg2 +mknodat +$D/held-at \
char 020600 1:5 dirfd=AT_FDCWD +[0-9.]+(us|ms|s) +held\$" \
        "$(grep ' ctl-mknodat ' <<<"$table")"
check_eq "pending table: a header and two rows" 3 "$(wc -l <<<"$table")"
check_eq "pending --container ctl-mknodat: only its call" "ctl-mknodat $bg2" \
        "$(ctl --json pending --container ctl-mknodat 2>>"$IT_TMP/stderr.log" |
                jq -r '[.pending[] | [.container, .pid] | map(tostring) | join(" ")] | join(",")')"
check_eq "pending --container=ctl-mknod (table): a header and one row" 2 \
        "$(ctl pending --container=ctl-mknod 2>>"$IT_TMP/stderr.log" | wc -l)"
check_eq "pending --container of no such container: the daemon's error, exit 1" \
        "seccompctl: pending: no supervised container \"nope\" rc=1" \
        "$(ctl pending --container nope 2>&1 | tr -d '\n'; echo " rc=${PIPESTATUS[0]}")"

# While held, each caller is a container with one listener and one pending call.
check_eq "containers --json while held: listeners, pending, received, emulated, policy and version, init pid" \
        "1 1 1 0 default 1 $bg1" \
        "$(ctl_json '.containers[] | select(.id == "ctl-mknod") |
                [.listeners, .pending, .counters.received, .counters.emulated, .policy, .policy_version, .init_pid] |
                map(tostring) | join(" ")' containers)"
check_eq "containers table while held: the ctl-mknod row" "ctl-mknod $bg1 default v1 1 1 0 0 0 0 0 0" \
        "$(ctl containers 2>>"$IT_TMP/stderr.log" | awk '$1 == "ctl-mknod" { $1 = $1; print }')"
check_eq "stats --json while held: containers and pending" "2 2" \
        "$(ctl_json '[.containers, .pending] | map(tostring) | join(" ")' stats)"

wait "$bg1"
rc1=$?
wait "$bg2"
rc2=$?
bg1= bg2=
check_eq "the held mknod completes once the hold ends" "ok 0" "$(cat "$IT_TMP/bg1.out") $rc1"
check_eq "the held mknodat completes once the hold ends" "ok 0" "$(cat "$IT_TMP/bg2.out") $rc2"
check_node "the held mknod: node made" "$D/held" "character special file 1:3 640 0:0"
check_node "the held mknodat: node made" "$D/held-at" "character special file 1:5 600 0:0"
nothing_pending() { [[ "$(ctl_json '.pending | length' pending)" == 0 ]]; }
wait_for "nothing is pending after the hold" 3 nothing_pending

# ---- 4. calls that are not held (no emulation), then the counts
check_eq "mknod b 8:0: refused" errno=EPERM "$(probe mknod "$D/blk" b 8:0 0600)"
check_eq "mknod c 4:0: refused" errno=EPERM "$(probe mknod "$D/tty" c 4:0 0600)"
check_eq "mknod FIFO: allowed" ok "$(probe mknod "$D/fifo" p 0:0 0600)"
check_eq "mknod on an unmapped pointer" errno=EFAULT "$(probe badpath unmapped)"
no_containers() { [[ "$(ctl_json .containers stats)" == 0 ]]; }
wait_for "every caller has exited: no container left" 5 no_containers

s=$(ctl --json stats 2>>"$IT_TMP/stderr.log")
check_eq "stats --json totals: received continued errored emulated emulate_failed injected caller_gone read_failed limited" \
        "6 1 2 2 0 0 0 1 0" \
        "$(jq -r '.totals | [.received, .continued, .errored, .emulated, .emulate_failed, .injected,
                .caller_gone, .read_failed, .limited] | map(tostring) | join(" ")' <<<"$s")"
check_eq "stats --json: intake accepted and rejected" "6 0" \
        "$(jq -r '[.intake.accepted, .intake.rejected] | map(tostring) | join(" ")' <<<"$s")"
check_eq "stats --json: latency count is the number of answered calls" 6 "$(jq -r .latency_ns.count <<<"$s")"
check_eq "stats --json: latency min <= p50 <= p90 <= p99 <= max, mean within" true \
        "$(jq -r '.latency_ns | .min <= .p50 and .p50 <= .p90 and .p90 <= .p99 and .p99 <= .max
                and .min <= .mean and .mean <= .max' <<<"$s")"
check_eq "stats --json: the held calls took the hold, the others did not" true \
        "$(jq -r --argjson h "$HOLD_MS" '.latency_ns | .max >= $h * 1000000 and .min < $h * 1000000' <<<"$s")"
check_match "stats --json: uptime_us" '^[1-9][0-9]*$' "$(jq -r .uptime_us <<<"$s")"

st=$(ctl stats 2>>"$IT_TMP/stderr.log")
check_eq "stats table: containers pending received continued errno emulated failed gone read-failed" \
        "0 0 6 1 2 2 0 0 1" \
        "$(for l in containers pending received continued errno emulated 'emulate failed' 'caller gone' \
                'read failed'; do field "$st" "$l"; done | paste -sd ' ')"
check_eq "stats table: intake accepted, latency count" "6 6" \
        "$(field "$st" 'intake accepted') $(field "$st" 'latency count')"
check_match "stats table: uptime" '^[0-9.]+(us|ms|s)$' "$(field "$st" uptime)"
for l in min mean p50 p90 p99 max; do
        check_match "stats table: latency $l in µs" '^[0-9]+\.[0-9] µs$' "$(field "$st" "latency $l")"
done
check_eq "stats table: latency max matches the JSON" \
        "$(awk -v ns="$(jq -r .latency_ns.max <<<"$s")" 'BEGIN { printf "%.1f µs", ns / 1e3 }')" \
        "$(field "$st" 'latency max')"

# ---- 5. non-root clients
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- "$SECCOMPCTL" --control "$CTL" stats 2>&1)
check_eq "non-root without DAC override: cannot connect, and is told why (exit 1)" \
        "seccompctl: permission denied on $CTL: the control socket is for root only rc=1" "$out rc=$?"
# One that can reach the socket anyway is refused by the daemon (SO_PEERCRED).
nobody_dac() {
        setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+dac_override --ambient-caps=+dac_override \
                -- "$SECCOMPCTL" --control "$CTL" "$@"
}
out=$(nobody_dac stats 2>&1)
check_eq "non-root with DAC override: refused by the daemon (exit 1)" \
        "seccompctl: stats: permission denied: the control socket is for root only rc=1" "$out rc=$?"
out=$(nobody_dac --json pending 2>/dev/null)
rc=$?
check_eq "non-root with DAC override, --json: the daemon's error object (exit 1)" \
        "permission denied: the control socket is for root only rc=1" "$(jq -r .error <<<"$out") rc=$rc"
check_eq "non-root with DAC override: no pending data leaked" "null" "$(jq -c .pending <<<"$out")"
check_match "the daemon logs the refused uid" 'control: refused uid 65534' \
        "$(grep 'refused uid' "$IT_TMP/daemon.log" | tail -n 1)"
daemon_healthy "the daemon is healthy after the refused clients"

# ---- 6. a daemon that died: its socket is left behind, seccompctl says so
{
        kill -KILL "$DAEMON_PID"
        wait "$DAEMON_PID"
} 2>/dev/null # no "Killed" job report on stderr
DAEMON_PID=
check_eq "dead daemon: its control socket is left behind" socket "$(stat -c %F "$CTL" 2>&1)"
check_eq "dead daemon: seccompctl says it is not running (exit 1)" \
        "$(printf '\nrc=1\n%s' "seccompctl: seccompd is not running (nothing listens on $CTL)")" "$(sctl stats)"
daemon_start
check_match "a new daemon replaces the stale control socket" 'replaced stale socket' \
        "$(grep -F "replaced stale socket $CTL" "$IT_TMP/daemon.log")"
check_eq "the new daemon answers, with fresh counters" \
        "$(printf 'seccompd is running (pid %s)\nrc=0\n' "$DAEMON_PID") 0" \
        "$(sctl ping) $(ctl_json .totals.received stats)"
daemon_stop
