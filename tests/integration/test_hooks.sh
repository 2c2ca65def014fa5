#!/bin/bash
# seccompd-shim hook as runc's createRuntime and poststop hooks: the container
# is registered (bundle, annotations, cgroup, pidfd) before it runs and the
# listener runc sends joins that record; a container without any listener is
# registered too and forgotten when its init exits; poststop ends it. A hook
# that gets garbage, or cannot reach seccompd, fails and runc does not start the
# container.
source "$IT_LIB"
: "${SECCOMPD_SHIM:?}"

require_runtime
daemon_start

# bundle_hooks DIR CONTROL-SOCKET: createRuntime and poststop run the shim.
bundle_hooks() {
        bundle_jq "$1" --arg shim "$SECCOMPD_SHIM" --arg ctl "$2" '
                .hooks = {
                        createRuntime: [{path: $shim, args: ["seccompd-shim", "hook", "createRuntime", "--socket", $ctl],
                                         timeout: 10}],
                        poststop: [{path: $shim, args: ["seccompd-shim", "hook", "poststop", "--socket", $ctl],
                                    timeout: 10}]}
                | .annotations = {"org.seccompd.policy": "default", "it.note": "a \"quoted\" note"}'
}

# bundle_hooks_example DIR CONTROL-SOCKET: the hook as examples/oci/seccompd.json
# (podman's and CRI-O's hooks.d) declares it: its args (no stage: the state's
# status says which) at its stages.
bundle_hooks_example() {
        local example
        example=$(dirname "$IT_LIB")/../../examples/oci/seccompd.json
        bundle_jq "$1" --arg shim "$SECCOMPD_SHIM" --arg ctl "$2" --slurpfile ex "$example" '
                ($ex[0].hook | {path: $shim, args: (.args + ["--socket", $ctl]), timeout}) as $hook
                | .hooks = ($ex[0].stages | map({(.): [$hook]}) | add)
                | .annotations = {"org.seccompd.policy": "default"}'
}

# record ID JQ: one jq expression over the container's record ("null" if none).
record() {
        ctl_json "[.containers[] | select(.id == \"$1\")][0] | $2" containers
}

# run_detached DIR ID: `runc run -d`, the container's command set beforehand.
run_detached() {
        timeout 30 runc --root "$RUNC_ROOT" run -d --bundle "$1" "$2" </dev/null >/dev/null 2>>"$IT_TMP/stderr.log"
}

# ================================= a container with a listener and the hooks
B=$IT_TMP/hooked
make_bundle "$B" host
bundle_hooks "$B" "$CTL"
ID=it-hooked
cat >"$B/rootfs/init.sh" <<'EOF'
/bin/sc-probe mknod /tmp/null c 1:3 0666 >/tmp/out
while [ ! -e /tmp/go ]; do sleep 0.1; done
EOF
bundle_args "$B" /bin/sh /init.sh
run_detached "$B" "$ID" || bail "runc run -d $ID failed"
served() { [[ "$(cat "$B/rootfs/tmp/out" 2>/dev/null)" == ok ]]; }
wait_for "hooked container: its mknod is served" 10 served
check_node "hooked container: the node is made by seccompd" "$B/rootfs/tmp/null" "character special file 1:3 644 0:0"
init_pid=$(rc_ state "$ID" | jq -r .pid)

check_eq "containers --json: one record for $ID" 1 "$(ctl_json "[.containers[] | select(.id == \"$ID\")] | length" containers)"
check_eq "containers --json: registered by the hook, runc's listener joined it" \
        "true 1 $init_pid default" "$(record "$ID" '[.hook, .listeners, .init_pid, .policy] | map(tostring) | join(" ")')"
check_eq "containers --json: the bundle" "$B" "$(record "$ID" .bundle)"
check_eq "containers --json: the annotations" 'it.note=a "quoted" note,org.seccompd.policy=default' \
        "$(record "$ID" '.annotations | to_entries | map("\(.key)=\(.value)") | sort | join(",")')"
check_eq "containers --json: init's cgroup, as /proc says" "$(sed -n 's/^0:://p' "/proc/$init_pid/cgroup")" \
        "$(record "$ID" .cgroup2)"
check_match "daemon log: registered by the hook before the listener arrived" \
        "container $ID: registered by a hook.*container $ID: registered listener" "$(tr '\n' ' ' <"$IT_TMP/daemon.log")"

touch "$B/rootfs/tmp/go"
stopped() { [[ "$(rc_ state "$ID" 2>/dev/null | jq -r .status)" == stopped ]]; }
wait_for "hooked container: exits" 10 stopped
rc_ delete "$ID" >/dev/null 2>>"$IT_TMP/stderr.log"
check_eq "runc delete (poststop hook): succeeds" 0 "$?"
check_match "poststop: the hook told seccompd" "container $ID: unregister" "$(cat "$IT_TMP/daemon.log")"
no_record() { [[ "$(ctl_json "[.containers[] | select(.id == \"$1\")] | length" containers)" == 0 ]]; }
wait_for "after it exited and poststop ran, its record is gone" 5 no_record "$ID"

# ============================== a container without any listener: hook only
# (its hooks as the shipped hooks.d example declares them)
H=$IT_TMP/hook-only
make_bundle "$H" host
bundle_hooks_example "$H" "$CTL"
check_eq "hooks.d example: createRuntime and poststop run the shim without a stage" \
        '["seccompd-shim","hook","--socket"] ["seccompd-shim","hook","--socket"]' \
        "$(jq -c '.hooks.createRuntime[0].args[0:3], .hooks.poststop[0].args[0:3]' "$H/config.json" | tr '\n' ' ' | sed 's/ $//')"
bundle_jq "$H" 'del(.linux.seccomp)'
bundle_args "$H" /bin/sleep 1000
HID=it-hook-only
run_detached "$H" "$HID" || bail "runc run -d $HID failed"
hpid=$(rc_ state "$HID" | jq -r .pid)
check_eq "hook-only container: listed, with no listener and no policy yet" "true 0 $hpid  0" \
        "$(record "$HID" '[.hook, .listeners, .init_pid, .policy, .policy_version] | map(tostring) | join(" ")')"
row=$(ctl containers 2>>"$IT_TMP/stderr.log" | awk -v id="$HID" '$1 == id { print $1, $2, $3, $4 }')
check_eq "seccompctl containers (table): the hook-only row" "$HID $hpid - 0" "$row"
# poststop (here by hand, with `runc state` as the state) removes it at once; a
# createRuntime brings it back.
rc_ state "$HID" | "$SECCOMPD_SHIM" hook poststop --socket "$CTL" 2>>"$IT_TMP/stderr.log"
check_eq "hook poststop on the running hook-only container: succeeds" 0 "$?"
check_eq "hook poststop: the record is gone at once" 0 "$(ctl_json "[.containers[] | select(.id == \"$HID\")] | length" containers)"
rc_ state "$HID" | "$SECCOMPD_SHIM" hook createRuntime --socket "$CTL" 2>>"$IT_TMP/stderr.log"
check_eq "hook createRuntime again: succeeds" 0 "$?"
check_eq "hook createRuntime again: the record is back" "true $hpid" \
        "$(record "$HID" '[.hook, .init_pid] | map(tostring) | join(" ")')"
# Its init exits: the pidfd ends the registration, before anyone runs poststop.
rc_ kill "$HID" KILL 2>>"$IT_TMP/stderr.log"
wait_for "hook-only container: its init's exit ends the record" 10 no_record "$HID"
check_match "daemon log: init's exit noticed" "container $HID: init pid $hpid exited" "$(cat "$IT_TMP/daemon.log")"
rc_ delete -f "$HID" >/dev/null 2>>"$IT_TMP/stderr.log"
check_eq "runc delete after that: poststop still succeeds" 0 "$?"
check_match "daemon log: poststop found nothing left to end" "container $HID: unregister: no hook registration" \
        "$(cat "$IT_TMP/daemon.log")"

# ============================================================ failing hooks
err=$(echo 'garbage' | "$SECCOMPD_SHIM" hook createRuntime --socket "$CTL" 2>&1)
check_eq "hook given garbage: exit status 1" 1 "$?"
check_match "hook given garbage: says what is wrong" \
        "hook createRuntime: invalid container state on stdin \\(expected the OCI state JSON\\): malformed JSON" "$err"
err=$(echo '{"ociVersion": "1.0.2", "id": "x", "status": "creating"}' |
        "$SECCOMPD_SHIM" hook createRuntime --socket "$CTL" 2>&1)
check_eq "hook createRuntime given a state without pid: exit status 1" 1 "$?"
check_match "hook createRuntime given a state without pid: says so" "container x: the state on stdin has no pid" "$err"
err=$("$SECCOMPD_SHIM" hook prestart --socket "$CTL" </dev/null 2>&1)
check_eq "hook with an unknown stage: exit status 2" 2 "$?"
check_match "hook with an unknown stage: names the stages" "createRuntime or poststop" "$err"

# seccompd unreachable: createRuntime fails, so runc does not start the container.
F=$IT_TMP/unreachable
make_bundle "$F" host
bundle_hooks "$F" "$IT_TMP/missing.sock"
bundle_args "$F" /bin/touch /ran
timeout 30 runc --root "$RUNC_ROOT" run --bundle "$F" it-unreachable </dev/null >/dev/null 2>"$IT_TMP/runc.err"
check_eq "seccompd unreachable: runc run fails" 1 "$?"
check_absent "seccompd unreachable: the container's command did not run" "$F/rootfs/ran"
check_match "seccompd unreachable: runc reports the hook's message" \
        "seccompd is not running \\(no control socket at $IT_TMP/missing.sock\\)" "$(cat "$IT_TMP/runc.err")"
rc_ delete -f it-unreachable >/dev/null 2>&1

check_eq "no container left" 0 "$(ctl_json '.containers | length' containers)"
daemon_healthy "the daemon is healthy after the hooks"
daemon_stop
