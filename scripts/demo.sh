#!/bin/bash
# The main job, end to end on a fresh Debian 12 machine, as root:
# installs what is missing, builds seccompd, starts it with the built-in default
# policy, and runs a busybox container under runc in a user namespace (container
# root is host uid 100000). The kernel refuses mknod there (no CAP_MKNOD in the
# initial namespace); seccompd traps the call, checks the policy and makes the
# node in the container's /dev. Then `seccompctl containers` shows the record.
# Idempotent: everything it starts or makes is removed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
source scripts/deps.sh
require_root
ensure_packages "${SECCOMPD_BUILD_PKGS[@]}" "${SECCOMPD_RUNTIME_PKGS[@]}"

echo "==> building seccompd (build/)"
meson_build build

SECCOMPD=$PWD/build/supervisor/seccompd
SECCOMPCTL=$PWD/build/supervisor/seccompctl
WORK=$(mktemp -d /tmp/seccompd-demo.XXXXXX)
chmod 0755 "$WORK"
SOCK=$WORK/run/seccompd.sock
CTL=$WORK/run/control.sock
RUNC_ROOT=$WORK/runc
DAEMON_PID=

cleanup() {
        set +e
        for id in demo-with demo-without; do
                runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1
        done
        if [[ -n "$DAEMON_PID" ]]; then
                kill -TERM "$DAEMON_PID" 2>/dev/null
                wait "$DAEMON_PID" 2>/dev/null
        fi
        rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# A busybox rootfs owned by the container's root (host uid 100000), and /dev
# bind-mounted from the bundle: runc then makes no device nodes itself. runc
# only insists that /dev/null exists at start, so it begins as an empty file
# that the container replaces with the real node.
make_bundle() {
        local dir=$1 seccomp=$2 applet
        mkdir -p "$dir/rootfs"/{bin,dev,proc,sys,tmp,etc} "$dir/dev"
        : >"$dir/dev/null"
        cp "$(command -v busybox)" "$dir/rootfs/bin/busybox"
        for applet in $(busybox --list); do
                [[ -e "$dir/rootfs/bin/$applet" ]] || ln -s busybox "$dir/rootfs/bin/$applet"
        done
        (cd "$dir" && rm -f config.json && runc spec)
        jq --arg dev "$dir/dev" --argjson seccomp "$seccomp" '
                .process.terminal = false
                | .root.readonly = false
                | .process.args = ["sh", "-c", $ARGS.named.script]
                | .process.capabilities |= with_entries(.value = (.value + ["CAP_MKNOD"] | unique))
                | .mounts = [.mounts[] | if .destination == "/dev"
                        then {destination: "/dev", type: "bind", source: $dev, options: ["rbind", "rw"]}
                        else . end]
                | .linux.namespaces += [{type: "user"}]
                | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                | if $seccomp == null then del(.linux.seccomp) else .linux.seccomp = $seccomp end' \
                --arg script "$SCRIPT" "$dir/config.json" >"$dir/config.json.new"
        mv "$dir/config.json.new" "$dir/config.json"
        chown -R 100000:100000 "$dir/rootfs" "$dir/dev"
}

SCRIPT='
rm /dev/null
mknod /dev/null c 1 3 && echo "mknod /dev/null c 1 3: ok" && ls -l /dev/null &&
        echo discarded >/dev/null && echo "write to /dev/null: ok"
mknod /dev/sda b 8 0 2>&1 || echo "mknod /dev/sda b 8 0: refused"
true'

SECCOMP=$(jq -n --arg sock "$SOCK" '{
        defaultAction: "SCMP_ACT_ALLOW",
        listenerPath: $sock,
        listenerMetadata: "policy=default",
        syscalls: [{names: ["mknod", "mknodat"], action: "SCMP_ACT_NOTIFY"}]}')

echo
echo "==> without seccompd: the kernel refuses mknod in a user namespace"
make_bundle "$WORK/without" null
runc --root "$RUNC_ROOT" run --bundle "$WORK/without" demo-without </dev/null 2>&1 | sed 's/^/    /' || true

echo
echo "==> starting seccompd (built-in default policy)"
"$SECCOMPD" --socket "$SOCK" --control "$CTL" >"$WORK/seccompd.log" 2>&1 &
DAEMON_PID=$!
for ((i = 0; i < 100; i++)); do
        "$SECCOMPCTL" --control "$CTL" stats >/dev/null 2>&1 && break
        kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/seccompd.log"; exit 1; }
        sleep 0.1
done

echo
echo "==> with seccompd: runc hands the seccomp listener to seccompd, which makes the node"
make_bundle "$WORK/with" "$SECCOMP"
# Detached, so the container is still running for `seccompctl containers`.
jq '.process.args[2] += "\nsleep 30"' "$WORK/with/config.json" >"$WORK/with/c.json" &&
        mv "$WORK/with/c.json" "$WORK/with/config.json"
if ! runc --root "$RUNC_ROOT" run -d --bundle "$WORK/with" demo-with \
        </dev/null >"$WORK/with/out" 2>&1; then
        echo "runc run failed:" >&2
        cat "$WORK/with/out" "$WORK/seccompd.log" >&2
        exit 1
fi
for ((i = 0; i < 100; i++)); do
        grep -q 'refused\|Operation' "$WORK/with/out" 2>/dev/null && break
        sleep 0.1
done
sed 's/^/    /' "$WORK/with/out"
echo "    on the host: $(stat -c '%F %t:%T mode %a owner %u:%g' "$WORK/with/dev/null")"

echo
echo "==> seccompctl containers"
"$SECCOMPCTL" --control "$CTL" containers
echo
echo "==> seccompctl stats"
"$SECCOMPCTL" --control "$CTL" stats
