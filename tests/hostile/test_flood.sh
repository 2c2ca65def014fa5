#!/bin/bash
# Bounded, fair work: one supervised process floods seccompd (several threads
# in tight loops of a trapped call) while another makes a call every few
# milliseconds: the quiet one is served, each call within a bound. Per-container
# limits: calls over in_flight, over helper_queue (mounts queued at a stopped
# namespace helper) and over read_bytes (a long path) fail at once with the
# configured errno, are counted as limited, and leave the other containers
# alone. The limits come from the policy, else from the daemon config.
# "Containers" are plain processes under sc-trap (unshare -m for the mounts).
source "$IT_LIB"

: "${SC_FLOOD:?}"
command -v unshare >/dev/null || bail "unshare (util-linux) is not installed"

QUIET_BOUND_US=500000 # a quiet call is answered within 0.5 s, flood or not (2-core VM)
HOLD_MS=300           # --debug-hold-ms: each emulated call stays in flight this long

P=$IT_TMP/policies
D=$IT_TMP/d
mkdir -p "$P" "$D/m0" "$D/m1"
# The daemon-wide defaults: the errno and read_bytes of policies that set none.
cat >"$IT_TMP/seccompd.yaml" <<'YAML'
limits:
  errno: ENOBUFS
  read_bytes: 1KiB
YAML
cat >"$P/quiet.yaml" <<'YAML'
name: quiet
description: every trapped call refused at once
default: errno EPERM
rules: []
YAML
cat >"$P/held.yaml" <<'YAML'
name: held
description: emulated mknod, at most 4 calls in flight
default: errno EPERM
rules:
  - syscalls: [mknod, mknodat]
    action: emulate mknod
limits: {in_flight: 4}
YAML
cat >"$P/mt.yaml" <<'YAML'
name: mt
description: tmpfs mounts through the namespace helper, at most 2 queued there
default: errno EPERM
rules:
  - syscalls: [mount, umount2]
    action:
      emulate: mount
      filesystems: [tmpfs]
      sources: [none]
      flags: [MS_SILENT]
      timeout: 20s
limits:
  helper_queue: 2
  errno: EBUSY
YAML
cat >"$P/reader.yaml" <<'YAML'
name: reader
description: emulated mknod under the daemon config's limits
default: errno EPERM
rules:
  - syscalls: [mknod, mknodat]
    action: emulate mknod
YAML
daemon_start --policy-dir "$P" --config "$IT_TMP/seccompd.yaml" --debug-hold-ms "$HOLD_MS"

# flood_out FILE KEY: a value sc-flood printed, 0 when it printed none.
flood_out() { sed -n "s/^$2 //p" "$1" | grep . || echo 0; }
limited_total() { ctl_json .totals.limited stats; }
# in_bound NAME FILE: every call sc-flood made (FILE) was answered within the bound.
in_bound() {
        local max
        max=$(flood_out "$2" max_us)
        if ((max < QUIET_BOUND_US)); then ok "$1: every call answered within $((QUIET_BOUND_US / 1000)) ms (max ${max} µs)"
        else not_ok "$1: every call answered within $((QUIET_BOUND_US / 1000)) ms" \
                "expected: max < $QUIET_BOUND_US µs" "got:      max $max µs"; fi
}
# quiet ID CALLS OUT: the quiet caller, a call every 10 ms, refused EPERM by its policy.
quiet() {
        timeout -k 2 30 "$SC_TRAP" --socket "$SOCK" --id "$1" --metadata policy=quiet -- \
                "$SC_FLOOD" --calls "$2" --interval-ms 10 mknod "$D/quiet" >"$3" 2>>"$IT_TMP/stderr.log"
}

# ---- 1. fairness: a 4-thread flood of calls answered at once, a quiet caller beside it
quiet quiet-alone-$$ 50 "$IT_TMP/alone.out"
note "quiet caller alone: p50 $(flood_out "$IT_TMP/alone.out" p50_us) µs, p99 $(flood_out "$IT_TMP/alone.out" p99_us) µs"
timeout -k 2 30 "$SC_TRAP" --socket "$SOCK" --id flooder-$$ --metadata policy=quiet -- \
        "$SC_FLOOD" --threads 4 --seconds 4 mknod "$D/flood" >"$IT_TMP/flood.out" 2>>"$IT_TMP/stderr.log" &
flood_pid=$!
at_exit "kill -KILL $flood_pid"
sleep 0.5
quiet quiet-$$ 150 "$IT_TMP/quiet.out"
wait "$flood_pid"
check_eq "flood: the flooder ran to its end" 0 $?
check_eq "fair: the quiet caller made its 150 calls, each refused by its policy" "150 150" \
        "$(flood_out "$IT_TMP/quiet.out" calls) $(flood_out "$IT_TMP/quiet.out" EPERM)"
in_bound "fair: the quiet caller under the flood" "$IT_TMP/quiet.out"
fcalls=$(flood_out "$IT_TMP/flood.out" calls)
note "quiet caller under the flood: p50 $(flood_out "$IT_TMP/quiet.out" p50_us) µs, p99 $(flood_out "$IT_TMP/quiet.out" p99_us) µs; the flooder made $fcalls calls in 4 s"
if ((fcalls > 4000)); then ok "flood: the flooder really flooded ($fcalls calls)"; else
        not_ok "flood: the flooder really flooded" "expected: > 4000 calls" "got:      $fcalls"; fi
check_eq "flood: every flooder call refused EPERM by its policy, none limited" "$fcalls" \
        "$(flood_out "$IT_TMP/flood.out" EPERM)"
check_eq "flood: nothing counted as limited" 0 "$(limited_total)"

# ---- 2. in_flight: 16 threads against a limit of 4 held calls (the policy's
# limit, the config's errno)
before=$(limited_total)
timeout -k 2 30 "$SC_TRAP" --socket "$SOCK" --id held-$$ --metadata policy=held -- \
        "$SC_FLOOD" --threads 16 --calls 3 mknod "$D/held" >"$IT_TMP/held.out" 2>>"$IT_TMP/stderr.log" &
held_pid=$!
at_exit "kill -KILL $held_pid"
quiet quiet2-$$ 40 "$IT_TMP/quiet2.out"
wait "$held_pid"
check_eq "in_flight: the flooder made its 48 calls" 48 "$(flood_out "$IT_TMP/held.out" calls)"
over=$(flood_out "$IT_TMP/held.out" ENOBUFS)
served=$(($(flood_out "$IT_TMP/held.out" ok) + $(flood_out "$IT_TMP/held.out" EEXIST)))
note "in_flight: $served calls emulated (made or EEXIST), $over refused ENOBUFS"
if ((over >= 16 && served >= 4 && over + served == 48)); then
        ok "in_flight: calls past 4 in flight got the config's errno (ENOBUFS), the others were emulated"
else
        not_ok "in_flight: calls past 4 in flight got ENOBUFS, the others were emulated" \
                "expected: ENOBUFS >= 16, emulated >= 4, together 48" "got:      $(tr '\n' ' ' <"$IT_TMP/held.out")"
fi
over_max=$(flood_out "$IT_TMP/held.out" ENOBUFS_max_us)
if ((over_max < HOLD_MS * 1000 / 2)); then ok "in_flight: refused at once, never held (slowest ${over_max} µs)"; else
        not_ok "in_flight: refused at once, never held" "expected: < $((HOLD_MS * 500)) µs" "got:      $over_max µs"; fi
check_eq "in_flight: each refusal counted in totals.limited" "$((before + over))" "$(limited_total)"
check_eq "in_flight: the quiet container beside it was served, 40 calls refused EPERM" "40 40" \
        "$(flood_out "$IT_TMP/quiet2.out" calls) $(flood_out "$IT_TMP/quiet2.out" EPERM)"
in_bound "in_flight: the quiet caller beside the held flood" "$IT_TMP/quiet2.out"
lines=$(grep -c "ct=held-$$ .*over the in_flight limit (4), failing the call" "$IT_TMP/daemon.log")
if ((lines >= 1 && lines <= 20)); then ok "in_flight: logged, rate-limited ($lines lines for $over calls)"; else
        not_ok "in_flight: logged, rate-limited" "expected: 1..20 lines" "got:      $lines"; fi

# ---- 3. helper_queue: the helper stopped, 8 mounts at once; 2 queue, 6 fail EBUSY (the policy's errno)
go=$IT_TMP/go
mkfifo "$go"
unshare -m --propagation private -- "$SC_TRAP" --socket "$SOCK" --id mt-$$ --syscalls mount,umount2 \
        --metadata policy=mt -- bash -c "
        '$SC_FLOOD' --calls 1 mount '$D/m0' >'$IT_TMP/m0.out'
        read x <'$go'
        '$SC_FLOOD' --threads 8 --calls 1 mount '$D/m1' >'$IT_TMP/m1.out'
        grep -c ' $D/m1 ' /proc/self/mounts >'$IT_TMP/m1.count'" 2>>"$IT_TMP/stderr.log" &
mt_pid=$!
at_exit "kill -KILL $mt_pid"
helper_pid() { sed -n "s/.*ct=mt-$$: namespace helper started (pid \([0-9]*\)).*/\1/p" "$IT_TMP/daemon.log" | tail -n 1; }
first_done() { [[ "$(flood_out "$IT_TMP/m0.out" ok)" == 1 && -n "$(helper_pid)" ]]; }
wait_for "helper_queue: a first mount is made by the namespace helper" 10 first_done
h=$(helper_pid)
kill -STOP "$h"
at_exit "kill -CONT $h"
echo go >"$go"
mt_state() {
        ctl_json ".containers[] | select(.id == \"mt-$$\") | [.counters.limited, .pending] | map(tostring) | join(\" \")" \
                containers
}
queued_and_refused() { [[ "$(mt_state)" == "6 2" ]]; }
wait_for "helper_queue: with the helper stopped, 2 mounts wait and 6 are refused (limited 6, pending 2)" 10 \
        queued_and_refused || note "got: $(mt_state)"
check_match "containers: the LIMITED column shows the 6" "^mt-$$ .* 6 *\$" \
        "$(ctl containers 2>>"$IT_TMP/stderr.log" | grep "^mt-$$ " | tr -s ' ')"
check_match "stats: a limited line in the totals" "^limited: +[0-9]+" \
        "$(ctl stats 2>>"$IT_TMP/stderr.log" | grep '^limited:')"
kill -CONT "$h"
wait "$mt_pid"
check_eq "helper_queue: 2 mounts made once the helper went on, 6 failed EBUSY" "2 6" \
        "$(flood_out "$IT_TMP/m1.out" ok) $(flood_out "$IT_TMP/m1.out" EBUSY)"
check_eq "helper_queue: 2 tmpfs mounted on m1 in the container's namespace" 2 "$(cat "$IT_TMP/m1.count")"
check_eq "helper_queue: nothing mounted on the host" 0 "$(findmnt -rn -o TARGET | grep -c "^$D/")"

# ---- 4. read_bytes: the config's 1 KiB; a 1.5 KiB path is refused, a short one emulated
long=$D/$(printf 'x/%.0s' $(seq 750))node
before=$(limited_total)
got=$(trapped --id reader-$$ --metadata policy=reader -- "$SC_FLOOD" --calls 1 mknod "$long" | grep -v _max_us |
        tr '\n' ' ')
check_eq "read_bytes: a path longer than 1 KiB fails with the config's errno (ENOBUFS)" "calls 1 ENOBUFS 1" \
        "$(sed 's/ p50_us.*//' <<<"$got")"
check_eq "read_bytes: counted as limited" $((before + 1)) "$(limited_total)"
got=$(trapped --id reader2-$$ --metadata policy=reader -- "$SC_FLOOD" --calls 1 mknod "$D/short")
check_eq "read_bytes: a short path is emulated" 1 "$(sed -n 's/^ok //p' <<<"$got")"
check_eq "read_bytes: the node was made" "character special file" "$(stat -c %F "$D/short" 2>&1)"

daemon_healthy "seccompd is healthy after the floods"
check_eq "nothing pending" 0 "$(ctl_json .pending stats)"
daemon_stop
