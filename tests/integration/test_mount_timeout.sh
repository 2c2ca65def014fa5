#!/bin/bash
# A namespace helper that hangs: the call it was serving fails with the policy's
# timeout errno after the policy's timeout, the helper is replaced, the next
# mount works, and other containers are served meanwhile. The "container" is a
# plain process in a private mount namespace (unshare -m) under sc-trap.
source "$IT_LIB"

command -v unshare >/dev/null || bail "unshare (util-linux) is not installed"
P=$IT_TMP/policies
D=$IT_TMP/mnt
mkdir -p "$P" "$D"/{m1,m2,m3}
cat >"$P/mt.yaml" <<YAML
name: mt
description: tmpfs mounts with a short helper timeout
default: errno EPERM
rules:
  - syscalls: [mount, umount2]
    action:
      emulate: mount
      filesystems: [tmpfs]
      sources: [none]
      flags: [MS_SILENT]   # busybox mount passes it
      timeout: 700ms
      timeout_errno: ETIME
YAML
daemon_start --policy-dir "$P"

go=$IT_TMP/go
mkfifo "$go"
unshare -m --propagation private -- "$SC_TRAP" --socket "$SOCK" --id hung --syscalls mount,umount2 \
        --metadata policy=mt -- busybox sh -c "
        busybox mount -t tmpfs none '$D/m1' && echo m1=ok
        read x <'$go'
        busybox mount -t tmpfs none '$D/m2' 2>&1 || echo m2=failed
        busybox mount -t tmpfs none '$D/m3' && echo m3=ok
        busybox grep -c ' $D/m' /proc/self/mounts" >"$IT_TMP/hung.out" 2>&1 &
hung_pid=$!
at_exit "kill -KILL $hung_pid"

helper_pid() { sed -n 's/.*ct=hung: namespace helper started (pid \([0-9]*\)).*/\1/p' "$IT_TMP/daemon.log" | tail -n 1; }
first_done() { grep -q m1=ok "$IT_TMP/hung.out" && [[ -n "$(helper_pid)" ]]; }
wait_for "the first mount is made by a namespace helper" 10 first_done
h1=$(helper_pid)
check_match "the helper is a separate process" '^[0-9]+$' "$h1"
kill -STOP "$h1"

start=$(date +%s%N)
echo go >"$go"
# While the helper hangs, another container is served at once.
got=$(trapped --id other -- "$SC_PROBE" mknod "$IT_TMP/null" c 1:3 0600)
other_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "another container's mknod is served while the helper hangs" ok "$got"
if ((other_ms < 600)); then ok "it did not wait for the hung helper (${other_ms} ms)"; else
        not_ok "it did not wait for the hung helper" "expected: < 600 ms" "got:      ${other_ms} ms"; fi

wait "$hung_pid"
out=$(cat "$IT_TMP/hung.out")
check_match "the hung mount fails with the policy's timeout errno (ETIME)" "Timer expired" "$out"
check_match "the next mount works, through a new helper" "m3=ok" "$out"
check_eq "only m1 and m3 are mounted in the container" 2 "$(tail -n 1 <<<"$out")"
h2=$(helper_pid)
check_match "a new helper was started" '^[0-9]+$' "$h2"
if [[ "$h2" != "$h1" ]]; then ok "the new helper is another process"; else not_ok "the new helper is another process" "got the same pid $h1"; fi
gone() { ! kill -0 "$h1" 2>/dev/null || [[ "$(ps -o stat= -p "$h1")" == Z* ]]; }
wait_for "the hung helper was killed" 5 gone
check_match "the timeout is logged" "namespace helper \\(pid $h1\\) timed out, replacing it" "$(cat "$IT_TMP/daemon.log")"
check_absent "nothing was mounted on the host" "$D/m1/.nothing"
check_eq "the host sees none of the container's mounts" 0 "$(grep -c " $D/m" /proc/self/mounts)"

daemon_healthy "the daemon is healthy"
daemon_stop
