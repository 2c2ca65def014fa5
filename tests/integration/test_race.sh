#!/bin/bash
# A caller that rewrites its path argument while seccompd works on the call
# (another thread, after seccompd read it): the policy decision and the
# emulation use the one copy seccompd read, never the rewritten memory.
source "$IT_LIB"

P=$IT_TMP/policies
D=$IT_TMP/race
mkdir -p "$P" "$D/ok" "$D/bad"
cat >"$P/ok-only.yaml" <<YAML
name: ok-only
description: devices only under $D/ok
default: errno EPERM
rules:
  - syscalls: [mknod, mknodat]
    match:
      path: ["$D/ok/*"]
      dev: ["1:3"]
    action: emulate mknod
YAML
# Each emulated call is held 600 ms after it was read and judged.
daemon_start --policy-dir "$P" --debug-hold-ms 600

got=$(trapped --metadata policy=ok-only -- "$SC_PROBE" swap "$D/ok/a" "$D/bad/a" 150 c 1:3 0600)
check_eq "rewritten after the read: the call still succeeds" ok "$got"
check_node "the node is where the path pointed when seccompd read it" "$D/ok/a" "character special file 1:3 600 0:0"
check_absent "nothing at the path the caller switched to" "$D/bad/a"

got=$(trapped --metadata policy=ok-only -- "$SC_PROBE" swap "$D/bad/b" "$D/ok/b" 150 c 1:3 0600)
check_eq "refused path rewritten to an allowed one: still refused" errno=EPERM "$got"
check_absent "nothing made at the allowed path" "$D/ok/b"
check_absent "nothing made at the refused path" "$D/bad/b"

daemon_healthy "the daemon is healthy"
daemon_stop
