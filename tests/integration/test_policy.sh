#!/bin/bash
# Policy files in a running daemon: selection by listenerMetadata, reload on
# `seccompctl reload` and SIGHUP, versions kept by running containers, a bad
# edit never replacing a good policy, and matches on paths (relative to the
# caller's cwd) and on the caller's identity.
source "$IT_LIB"

P=$IT_TMP/policies
D=$IT_TMP/nodes
mkdir -p "$P" "$D/ok" "$D/other"

write_zero_only() { # $1: extra devices allowed besides 1:5
        cat >"$P/zero-only.yaml" <<YAML
name: zero-only
description: only /dev/zero$1
default: errno EACCES
rules:
  - syscalls: [mknod, mknodat]
    match:
      mode: {type: S_IFCHR}
      dev: ["1:5"$2]
    action: emulate mknod
YAML
}
write_zero_only "" ""
cat >"$P/paths.yaml" <<YAML
name: paths
description: devices only under $D/ok, only for root
default: errno EACCES
rules:
  - syscalls: [mknod, mknodat]
    match:
      path: ["$D/ok/*"]
      caller: {uid: [0], capabilities: [CAP_MKNOD]}
    action: emulate mknod
  - syscalls: [mknod, mknodat]
    action: errno EPERM
YAML

echo "the host's secret" >"$IT_TMP/secret"
cat >"$P/inject.yaml" <<YAML
name: inject
description: opening /seccompd-inject-test gives the caller a host file
default: continue
rules:
  - syscalls: [open, openat]
    match:
      path: ["/seccompd-inject-test"]
    action: {inject: $IT_TMP/secret, flags: O_RDONLY, cloexec: true}
YAML

daemon_start --policy-dir "$P"

# ---- selection and the built-in fallback
got=$(ctl_json '[.policies[].name] | join(",")' policies)
check_eq "policies: the directory's policies plus the built-in default" "default,inject,paths,zero-only" "$got"
check_eq "the built-in default comes from the compiled-in file" "<builtin>/default.yaml" \
        "$(ctl_json '.policies[] | select(.name == "default") | .file' policies)"
check_eq "zero-only: 1:5 is emulated" ok "$(trapped --metadata policy=zero-only -- "$SC_PROBE" mknod "$D/z1" c 1:5 0600)"
check_node "zero-only: the node" "$D/z1" "character special file 1:5 600 0:0"
check_eq "zero-only: 1:3 gets the policy's default errno" errno=EACCES \
        "$(trapped --metadata policy=zero-only -- "$SC_PROBE" mknod "$D/n1" c 1:3 0600)"
check_eq "no policy named: the default policy emulates 1:3" ok "$(trapped --metadata "" -- "$SC_PROBE" mknod "$D/n0" c 1:3 0600)"
trapped --metadata policy=nope --ack --no-exec -- true >/dev/null
check_match "an unknown policy name is refused at intake" 'unknown policy "nope"' "$(last_ack)"

# ---- reload: a running container keeps its version, new ones get the new one
fifo=$IT_TMP/go
mkfifo "$fifo"
# Registers now (v1), makes its call only once the test writes to the FIFO.
"$SC_TRAP" --socket "$SOCK" --id old-one --metadata policy=zero-only -- \
        sh -c "read x <'$fifo'; '$SC_PROBE' mknod '$D/old' c 1:3 0600" >"$IT_TMP/old.out" 2>>"$IT_TMP/stderr.log" &
old_pid=$!
at_exit "kill $old_pid"
registered() { [[ "$(ctl_json '[.containers[] | select(.id == "old-one")] | length' containers)" == 1 ]]; }
wait_for "a long-running process registered with zero-only" 10 registered

write_zero_only " and /dev/null" ', "1:3"'
out=$(ctl reload 2>&1)
check_match "seccompctl reload: one policy changed" "1 loaded, 3 unchanged, 0 failed" "$out"
check_eq "zero-only is now version 2" 2 "$(ctl_json '.policies[] | select(.name == "zero-only") | .version' policies)"
check_eq "the running container still uses version 1" 1 \
        "$(ctl_json '.containers[] | select(.id == "old-one") | .policy_version' containers)"
check_match "seccompctl containers shows both versions" 'zero-only v1 \(current v2\)' "$(ctl containers)"
check_eq "a new container gets version 2: 1:3 emulated" ok \
        "$(trapped --metadata policy=zero-only -- "$SC_PROBE" mknod "$D/n2" c 1:3 0600)"
echo go >"$fifo"
wait "$old_pid"
check_eq "the old container's call is judged by version 1" errno=EACCES "$(cat "$IT_TMP/old.out")"
check_absent "nothing made for the old container" "$D/old"

# ---- a bad edit is refused with file:line:col; the last good version stays
cp "$P/zero-only.yaml" "$IT_TMP/good.yaml"
sed -i 's/errno EACCES/errno EBOGUS/' "$P/zero-only.yaml"
out=$(ctl reload 2>&1)
rc=$?
check_eq "reload with a broken file exits 1" 1 "$rc"
check_match "the error names file:line:col" "zero-only.yaml:3:[0-9]+: error: .*EBOGUS" "$out"
check_eq "zero-only stays at version 2" 2 "$(ctl_json '.policies[] | select(.name == "zero-only") | .version' policies)"
check_eq "new containers still get the good version 2" ok \
        "$(trapped --metadata policy=zero-only -- "$SC_PROBE" mknod "$D/n3" c 1:3 0600)"

# ---- SIGHUP reloads too
cp "$IT_TMP/good.yaml" "$P/zero-only.yaml"
sed -i 's/errno EACCES/errno EROFS/' "$P/zero-only.yaml"
kill -HUP "$DAEMON_PID"
v3() { [[ "$(ctl_json '.policies[] | select(.name == "zero-only") | .version' policies)" == 3 ]]; }
wait_for "SIGHUP reloads: zero-only version 3" 5 v3
check_eq "version 3's default errno applies" errno=EROFS \
        "$(trapped --metadata policy=zero-only -- "$SC_PROBE" mknod "$D/n4" b 8:0 0600)"

# ---- path globs see relative paths from the caller's cwd; caller matches
check_eq "paths: absolute path under ok/" ok "$(trapped --metadata policy=paths -- "$SC_PROBE" mknod "$D/ok/a" c 1:3 0600)"
check_eq "paths: relative path from a cwd under ok/" ok \
        "$(trapped --metadata policy=paths -- "$SC_PROBE" --chdir "$D/ok" mknod rel c 1:3 0600)"
check_node "paths: the relative node is in ok/" "$D/ok/rel" "character special file 1:3 600 0:0"
check_eq "paths: relative path from another cwd" errno=EPERM \
        "$(trapped --metadata policy=paths -- "$SC_PROBE" --chdir "$D/other" mknod rel c 1:3 0600)"
check_eq "paths: '..' out of ok/ does not match ok/*" errno=EPERM \
        "$(trapped --metadata policy=paths -- "$SC_PROBE" mknod "$D/ok/../other/x" c 1:3 0600)"
check_absent "paths: nothing made in other/" "$D/other/x"
check_eq "paths: a non-root caller does not match the caller rule" errno=EPERM \
        "$(trapped --metadata policy=paths -- setpriv --reuid 1234 --regid 1234 --clear-groups \
                --inh-caps=+mknod --ambient-caps=+mknod "$SC_PROBE" mknod "$D/ok/u" c 1:3 0600)"
check_absent "paths: nothing made for the non-root caller" "$D/ok/u"

# ---- inject: the call returns an fd the daemon opened on the host
check_eq "inject: opening the trigger path reads the host file" "the host's secret" \
        "$(trapped --syscalls open,openat --metadata policy=inject -- cat /seccompd-inject-test)"
check_eq "inject: counted" 1 "$(ctl_json .totals.injected stats)"
check_eq "inject: other paths go to the kernel as they are" "exit=1" \
        "$(trapped --syscalls open,openat --metadata policy=inject -- cat /seccompd-no-such-file)"
check_absent "inject: the trigger path does not exist on the host" /seccompd-inject-test

daemon_healthy "the daemon is healthy after reloads"
daemon_stop
