#!/bin/bash
# inject requested (brokered opens) in a runc container with a user namespace:
# a host file the container does not have, opened read-write through the fd
# seccompd installs; /dev/loop-control, which its device cgroup does not allow;
# paths outside the policy's list answered by the kernel as without seccompd;
# the caller's O_CLOEXEC; forbidden O_TRUNC and O_APPEND cleared; nothing ever
# created; root: container resolving a symlink to a host path inside the
# container. Then the daemon holding each call (--debug-hold-ms) while 1,000
# callers are killed between RECV and ADDFD: it must not keep a single fd.
source "$IT_LIB"

require_runtime
[[ -c /dev/loop-control ]] || modprobe loop 2>/dev/null
[[ -c /dev/loop-control ]] || bail "no /dev/loop-control (the loop module) on the host"

HOSTDIR=/run/seccompd-it-inject-$$
mkdir -p "$HOSTDIR/ct" || bail "mkdir $HOSTDIR"
at_exit "rm -rf --one-file-system '$HOSTDIR'"
printf 'host content\n' >"$HOSTDIR/data"
printf 'keep me\n' >"$HOSTDIR/trunc"
printf 'abcdef\n' >"$HOSTDIR/append"
printf 'leak test\n' >"$HOSTDIR/ct/file"

P=$IT_TMP/policies
mkdir -p "$P"
cat >"$P/inject.yaml" <<YAML
name: inject
description: brokered opens for the inject integration test
default: continue
rules:
  - name: host-dir
    syscalls: [open, openat]
    match: {path: ["$HOSTDIR/*"]}
    action: {inject: requested, root: host, forbid: [O_TRUNC, O_APPEND]}
  - name: loop-control
    syscalls: [open, openat]
    match: {path: [/dev/loop-control]}
    action: {inject: requested, root: host}
  - name: in-root
    syscalls: [open, openat]
    match: {path: ["/brokered/*", "$HOSTDIR/ct/*"]}
    action: {inject: requested, root: container}
YAML
daemon_start --policy-dir "$P"

# ================================================ a runc container, user namespace
U=$IT_TMP/userns
make_bundle "$U" userns
bundle_policy "$U" inject && bundle_seccomp "$U" open openat || bail "cannot edit the bundle"
# The same container with open and openat left to the kernel: what it says alone.
K=$IT_TMP/kernel
make_bundle "$K" userns
bundle_seccomp "$K" mknod mknodat || bail "cannot edit the bundle"
for dir in "$U" "$K"; do
        mkdir -p "$dir/rootfs/brokered"
        echo "in root" >"$dir/rootfs/brokered/file"
        # A symlink to a host file: resolved in the container, where it names nothing.
        ln -s /etc/shadow "$dir/rootfs/brokered/shadow"
        chown -R -h 100000:100000 "$dir/rootfs/brokered"
done

# The calls whose answer must be the kernel's own, in both containers.
outside_calls() {
        cat <<'EOF'
r o1 /bin/sc-probe open /bin/busybox O_RDONLY
r o2 /bin/sc-probe open /bin/busybox O_WRONLY
r o3 /bin/sc-probe open /no/such/file O_RDONLY
r o4 /bin/sc-probe open /dev/null 'O_RDWR|O_CLOEXEC' write:x
r o5 /bin/sc-probe open /brokered O_WRONLY
r o6 /bin/sc-probe open /brokered/../../etc/shadow O_RDONLY
EOF
}

injected_before=$(ctl_json .totals.injected stats)
got=$(in_script "$U" it-inject <<EOF
r data /bin/sc-probe open $HOSTDIR/data O_RDWR read write:MARK
r cloexec /bin/sc-probe open $HOSTDIR/data 'O_RDONLY|O_CLOEXEC' read
r trunc /bin/sc-probe open $HOSTDIR/trunc 'O_WRONLY|O_TRUNC'
r append /bin/sc-probe open $HOSTDIR/append 'O_WRONLY|O_APPEND' write:X
r missing /bin/sc-probe open $HOSTDIR/missing O_RDONLY
r create /bin/sc-probe open $HOSTDIR/created 'O_WRONLY|O_CREAT'
r excl /bin/sc-probe open $HOSTDIR/data 'O_WRONLY|O_CREAT|O_EXCL'
r loop /bin/sc-probe open /dev/loop-control O_RDWR loopfree
r rootfile /bin/sc-probe open /brokered/file O_RDONLY read
r rootrel /bin/sc-probe --chdir /brokered open ./file O_RDONLY read
r rootlink /bin/sc-probe open /brokered/shadow O_RDONLY read
$(outside_calls)
EOF
)
note "container: $(tr '\n' ';' <<<"$got")"
check_eq "host file: read and written through the brokered fd (O_RDWR, no O_CLOEXEC)" \
        "ok fd=3 cloexec=0 read=host content wrote=4" "$(pick "$got" data)"
check_eq "host file: the container's write is on the host" "host content|MARK" \
        "$(tr '\n' '|' <"$HOSTDIR/data")"
check_eq "O_CLOEXEC: the caller's new fd is close-on-exec" "ok fd=3 cloexec=1 read=host content" \
        "$(pick "$got" cloexec)"
check_eq "O_TRUNC forbidden: the open succeeds" "ok fd=3 cloexec=0" "$(pick "$got" trunc)"
check_eq "O_TRUNC forbidden: the host file is not truncated" "keep me" "$(cat "$HOSTDIR/trunc")"
check_eq "O_APPEND forbidden: the write lands at offset 0" "ok fd=3 cloexec=0 wrote=1" "$(pick "$got" append)"
check_eq "O_APPEND forbidden: the host file was overwritten, not appended to" "Xbcdef" "$(cat "$HOSTDIR/append")"
check_eq "a missing host file: ENOENT from the host's open" errno=ENOENT "$(pick "$got" missing)"
check_eq "O_CREAT: nothing is created, ENOENT" errno=ENOENT "$(pick "$got" create)"
check_absent "O_CREAT: no file on the host" "$HOSTDIR/created"
check_eq "O_CREAT|O_EXCL on an existing file: EEXIST, as the kernel" errno=EEXIST "$(pick "$got" excl)"
check_match "/dev/loop-control (not in the container, not in its device cgroup): a working fd" \
        '^ok fd=3 cloexec=0 loopfree=[0-9]+$' "$(pick "$got" loop)"
check_eq "root: container: a file of the container's root" "ok fd=3 cloexec=0 read=in root" "$(pick "$got" rootfile)"
check_eq "root: container: a relative path from the caller's cwd" "ok fd=3 cloexec=0 read=in root" \
        "$(pick "$got" rootrel)"
check_eq "root: container: a symlink to /etc/shadow resolves inside the container (ENOENT), not on the host" \
        errno=ENOENT "$(pick "$got" rootlink)"
check_eq "injected: the 7 fds handed out (data, cloexec, trunc, append, loop, 2 in root)" \
        $((injected_before + 7)) "$(ctl_json .totals.injected stats)"
check_match "logged at info: path, flags, the caller's fd" \
        "inject requested \(host\) $HOSTDIR/data flags 0x2 opened 0x102: fd 3" "$(cat "$IT_TMP/daemon.log")"
check_match "logged at info: the errno" \
        "inject requested \(host\) $HOSTDIR/missing flags 0x0 opened 0x100: No such file" "$(cat "$IT_TMP/daemon.log")"

kgot=$(in_script "$K" it-inject-kernel <<EOF
r data /bin/sc-probe open $HOSTDIR/data O_RDWR
r loop /bin/sc-probe open /dev/loop-control O_RDWR
$(outside_calls)
EOF
)
note "kernel alone: $(tr '\n' ';' <<<"$kgot")"
check_eq "without seccompd: the host file does not exist in the container" errno=ENOENT "$(pick "$kgot" data)"
check_eq "without seccompd: no /dev/loop-control in the container" errno=ENOENT "$(pick "$kgot" loop)"
for tag in o1 o2 o3 o4 o5 o6; do
        check_eq "outside the list ($(outside_calls | sed -n "s|^r $tag /bin/sc-probe open ||p")): the kernel's answer" \
                "$(pick "$kgot" "$tag")" "$(pick "$got" "$tag")"
done
check_eq "nothing is pending after the containers" 0 "$(ctl_json '.pending | length' pending)"
daemon_healthy "the daemon is healthy after the containers"
daemon_stop

# ================================================ callers killed between RECV and ADDFD
# Each injected call is held 20 ms before the open and ADDFD; the probe kills
# each child 3 ms after forking it, in the middle of that hold.
daemon_start --policy-dir "$P" --debug-hold-ms 20

daemon_fds() {
        ls "/proc/$DAEMON_PID/fd" | wc -l
}

# openkill N PATH: N children opening PATH under sc-trap, each killed while held.
openkill() {
        IT_CALL_TIMEOUT=45 trapped --syscalls openat,open --metadata policy=inject -- \
                "$SC_PROBE" openkill "$1" "$2" 3000
}

# idle: no container (its listener closed) and nothing pending.
idle() {
        [[ "$(ctl_json '[.containers, .pending] | map(tostring) | join(" ")' stats)" == "0 0" ]]
}

# fds_settled N: idle, and the daemon's fd count is back to N.
fds_settled() {
        idle && [[ "$(daemon_fds)" == "$1" ]]
}

# A first round opens whatever the daemon keeps for good (libraries, caches).
openkill 20 "$HOSTDIR/data" >/dev/null
wait_for "warm-up: the daemon is idle" 10 idle
before=$(daemon_fds)
gone_before=$(ctl_json .totals.caller_gone stats)
host=$(openkill 500 "$HOSTDIR/data")
ct=$(openkill 500 "$HOSTDIR/ct/file")
note "root: host: $host; root: container: $ct; daemon fds before: $before"
check_match "root: host: the children were killed" '^killed=[0-9]+ exited=[0-9]+$' "$host"
check_match "root: container: the children were killed" '^killed=[0-9]+ exited=[0-9]+$' "$ct"
killed=$(($(sed -n 's/^killed=\([0-9]*\).*/\1/p' <<<"$host") + $(sed -n 's/^killed=\([0-9]*\).*/\1/p' <<<"$ct")))
wait_for "the daemon's open fds are back to $before" 15 fds_settled "$before"
check_eq "the daemon keeps no fd of a dead caller" "$before" "$(daemon_fds)"
gone=$(($(ctl_json .totals.caller_gone stats) - gone_before))
note "caller_gone: $gone of $killed children killed"
check_eq "most killed children died while held (caller_gone > half of $killed)" yes \
        "$( ((killed > 500 && gone * 2 > killed)) && echo yes || echo "no: $gone")"
daemon_healthy "the daemon is healthy after 1,000 dead callers"
check_eq "a brokered open still works after them" "ok fd=3 cloexec=0 read=host content" \
        "$(trapped --syscalls openat,open --metadata policy=inject -- "$SC_PROBE" open "$HOSTDIR/data" O_RDONLY read)"
daemon_stop
