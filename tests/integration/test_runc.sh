#!/bin/bash
# Real runc containers with the seccomp notify section: mknod inside a container
# makes the node in the container's root, owned by the caller's mapped ids, as
# seen from the host and from inside; refused devices; errnos; symlinks that
# point out of the rootfs; `runc exec` into a running container and the record
# seccompctl shows for it until the container is gone.
source "$IT_LIB"

require_runtime
daemon_start

# totals: the daemon's counters so far, "received continued errored emulated
# emulate_failed": proves the calls went through seccompd, not to the kernel
# (which, for root in the host namespaces, would make the same nodes).
totals() {
        ctl_json '.totals | [.received, .continued, .errored, .emulated, .emulate_failed] |
                map(tostring) | join(" ")' stats
}

# ================================================ host namespaces, root caller
H=$IT_TMP/host
make_bundle "$H" host
R=$H/rootfs

# ---- every allowed device, made by seccompd, with the container's umask (022)
devs=(1:3 1:5 1:7 1:8 1:9 5:0 5:2 0:0)
got=$(in_script "$H" it-host-devs <<'EOF'
for d in 1:3 1:5 1:7 1:8 1:9 5:0 5:2 0:0; do
        r "$d" /bin/sc-probe mknod "/tmp/chr-${d%:*}-${d#*:}" c "$d" 0666
done
EOF
)
for i in "${!devs[@]}"; do
        dev=${devs[i]} maj=${devs[i]%:*} min=${devs[i]#*:}
        check_eq "host container: mknod char $dev: allowed" ok "$(pick "$got" "$dev")"
        check_node "host container: mknod char $dev: node in the rootfs, mode 0666&~022, owner 0:0" \
                "$R/tmp/chr-$maj-$min" "character special file $(printf '%x:%x' "$maj" "$min") 644 0:0"
done

# ---- seen from inside: the nodes are there and work as devices
got=$(in_script "$H" it-host-inside <<'EOF'
r 1 stat -c '%F %t:%T %a %u:%g' /tmp/chr-1-3
echo "2=$(ls -ln /tmp/chr-1-5 | awk '{ print $1, $3, $4, $5, $6 }')"
echo "3=$(head -c 8 /tmp/chr-1-5 | od -An -tx1 | tr -d ' \n')"
echo "4=$(echo data >/tmp/chr-1-3 && echo written)"
echo "5=$(wc -c </tmp/chr-1-3)"
EOF
)
check_eq "inside: stat of the emulated /tmp/chr-1-3" "character special file 1:3 644 0:0" "$(pick "$got" 1)"
check_eq "inside: ls -ln of the emulated /tmp/chr-1-5" "crw-r--r-- 0 0 1, 5" "$(pick "$got" 2)"
check_eq "inside: reading the emulated zero device gives zeros" 0000000000000000 "$(pick "$got" 3)"
check_eq "inside: writing to the emulated null device works" written "$(pick "$got" 4)"
check_eq "inside: reading the emulated null device gives nothing" 0 "$(pick "$got" 5)"

# ---- umask, cwd-relative and dirfd-relative paths inside the container's root
mkdir -p "$R/tmp/sub"
got=$(in_script "$H" it-host-paths <<'EOF'
r 1 /bin/sc-probe --umask 027 mknodat - /tmp/umask c 1:3 0666
r 2 /bin/sc-probe --chdir /tmp/sub mknod rel-cwd c 1:5 0600
r 3 /bin/sc-probe --chdir / mknodat /tmp/sub rel-dirfd c 1:7 0600
EOF
)
check_eq "mknodat with umask 027: allowed" ok "$(pick "$got" 1)"
check_node "mknodat with umask 027: mode 0640" "$R/tmp/umask" "character special file 1:3 640 0:0"
check_eq "mknod relative to the cwd: allowed" ok "$(pick "$got" 2)"
check_node "mknod relative to the cwd: made in the container's cwd" "$R/tmp/sub/rel-cwd" \
        "character special file 1:5 600 0:0"
check_eq "mknodat relative to a dirfd: allowed" ok "$(pick "$got" 3)"
check_node "mknodat relative to a dirfd: made under the dirfd" "$R/tmp/sub/rel-dirfd" \
        "character special file 1:7 600 0:0"
check_absent "mknodat relative to a dirfd: not made in the cwd" "$R/rel-dirfd"

# ---- refused devices, errnos, types left to the kernel
touch "$R/tmp/exists"
got=$(in_script "$H" it-host-errors <<'EOF'
r 1 /bin/sc-probe mknod /tmp/blk-8-0 b 8:0 0600
r 2 /bin/sc-probe mknod /tmp/chr-4-0 c 4:0 0600
r 3 /bin/sc-probe mknod /tmp/chr-1-1 c 1:1 0600
r 4 /bin/sc-probe mknod /tmp/chr-1-3 c 1:3 0600
r 5 /bin/sc-probe mknod /tmp/missing/x c 1:3 0600
r 6 /bin/sc-probe mknod /tmp/exists/x c 1:3 0600
r 7 /bin/sc-probe mknod /tmp/fifo p 0:0 0666
EOF
)
check_eq "mknod b 8:0: refused" errno=EPERM "$(pick "$got" 1)"
check_absent "mknod b 8:0: nothing made" "$R/tmp/blk-8-0"
check_eq "mknod c 4:0: refused" errno=EPERM "$(pick "$got" 2)"
check_absent "mknod c 4:0: nothing made" "$R/tmp/chr-4-0"
check_eq "mknod c 1:1: refused" errno=EPERM "$(pick "$got" 3)"
check_absent "mknod c 1:1: nothing made" "$R/tmp/chr-1-1"
check_eq "mknod over an existing node" errno=EEXIST "$(pick "$got" 4)"
check_node "mknod over an existing node: it is unchanged" "$R/tmp/chr-1-3" "character special file 1:3 644 0:0"
check_eq "mknod under a missing directory" errno=ENOENT "$(pick "$got" 5)"
check_absent "mknod under a missing directory: nothing made" "$R/tmp/missing"
check_eq "mknod under a regular file" errno=ENOTDIR "$(pick "$got" 6)"
check_eq "mknod FIFO: allowed" ok "$(pick "$got" 7)"
check_node "mknod FIFO: made by the kernel" "$R/tmp/fifo" "fifo 0:0 644 0:0"

# ---- symlinks pointing out of the rootfs resolve inside it, never on the host
E=sc-it-escape-$$
[[ ! -e /$E && ! -e /tmp/$E ]] || bail "/$E exists on the host"
mkdir -p "$IT_TMP/hostdir" "$IT_TMP/hostdir2" "$R$IT_TMP/hostdir2"
ln -s / "$R/tmp/esc-root"
ln -s ../../../../../../.. "$R/tmp/esc-up"
ln -s "$IT_TMP/hostdir" "$R/tmp/esc-host"
ln -s "$IT_TMP/hostdir2" "$R/tmp/esc-host2"
ln -s "$IT_TMP/hostdir/target" "$R/tmp/esc-last"
got=$(in_script "$H" it-host-escape <<EOF
r 1 /bin/sc-probe mknod /tmp/esc-root/../../$E-1 c 1:3 0600
r 2 /bin/sc-probe mknod /tmp/esc-up/$E-2 c 1:3 0600
r 3 /bin/sc-probe --chdir /tmp mknod ../../../../$E-3 c 1:3 0600
r 4 /bin/sc-probe mknod /tmp/esc-host/node c 1:3 0600
r 5 /bin/sc-probe mknod /tmp/esc-host2/node c 1:3 0600
r 6 /bin/sc-probe mknod /tmp/esc-last c 1:3 0600
EOF
)
check_eq "symlink to / then ..: allowed" ok "$(pick "$got" 1)"
check_node "symlink to / then ..: made at the rootfs's top" "$R/$E-1" "character special file 1:3 600 0:0"
check_absent "symlink to / then ..: not made on the host's /" "/$E-1"
check_eq "symlink to ../../..: allowed" ok "$(pick "$got" 2)"
check_node "symlink to ../../..: made at the rootfs's top" "$R/$E-2" "character special file 1:3 600 0:0"
check_absent "symlink to ../../..: not made on the host's /" "/$E-2"
check_eq "../../.. from the cwd: allowed" ok "$(pick "$got" 3)"
check_node "../../.. from the cwd: made at the rootfs's top" "$R/$E-3" "character special file 1:3 600 0:0"
check_absent "../../.. from the cwd: not made on the host's /" "/$E-3"
check_eq "symlink to a host-only directory: missing in the container" errno=ENOENT "$(pick "$got" 4)"
check_absent "symlink to a host-only directory: nothing made on the host" "$IT_TMP/hostdir/node"
check_eq "symlink to a directory in both: allowed" ok "$(pick "$got" 5)"
check_node "symlink to a directory in both: made in the rootfs's copy" "$R$IT_TMP/hostdir2/node" \
        "character special file 1:3 600 0:0"
check_absent "symlink to a directory in both: nothing made on the host" "$IT_TMP/hostdir2/node"
check_eq "mknod on a symlink to a host path (not followed)" errno=EEXIST "$(pick "$got" 6)"
check_absent "mknod on a symlink to a host path: its target is not made" "$IT_TMP/hostdir/target"

check_eq "stats after the host container: received, continued, errno, emulated, failed" \
        "24 1 3 15 5" "$(totals)"

# ================================================ user namespace (0 -> 100000)
U=$IT_TMP/userns
make_bundle "$U" userns
UR=$U/rootfs
# CAP_DAC_OVERRIDE too: it counts only on inodes whose owner is mapped.
bundle_add_caps "$U" CAP_DAC_OVERRIDE
mkdir -p "$UR/mapped-ro" "$UR/unmapped"
chown 100005:100005 "$UR/mapped-ro"
chmod 0555 "$UR/mapped-ro"
chown 0:0 "$UR/unmapped"
chmod 0755 "$UR/unmapped"

got=$(in_script "$U" it-userns-root <<'EOF'
r 1 /bin/sc-probe mknod /tmp/u-null c 1:3 0666
r 2 /bin/sc-probe mknod /tmp/u-zero c 1:5 0666
r 3 /bin/sc-probe mknod /mapped-ro/node c 1:3 0600
r 4 /bin/sc-probe mknod /unmapped/node c 1:3 0600
r 5 /bin/sc-probe mknod /tmp/u-blk b 8:0 0600
r 6 stat -c '%F %t:%T %a %u:%g' /tmp/u-null
echo "7=$(head -c 8 /tmp/u-zero | od -An -tx1 | tr -d ' \n')"
echo "8=$(echo data >/tmp/u-null && echo written)"
EOF
)
check_eq "userns root: mknod char 1:3: allowed" ok "$(pick "$got" 1)"
check_node "userns root: node owned by host 100000:100000" "$UR/tmp/u-null" \
        "character special file 1:3 644 100000:100000"
check_eq "userns root: mknod char 1:5: allowed" ok "$(pick "$got" 2)"
check_node "userns root: char 1:5 owned by host 100000:100000" "$UR/tmp/u-zero" \
        "character special file 1:5 644 100000:100000"
check_eq "userns root: CAP_DAC_OVERRIDE on a read-only dir of a mapped owner" ok "$(pick "$got" 3)"
check_node "userns root: made in the read-only dir" "$UR/mapped-ro/node" \
        "character special file 1:3 600 100000:100000"
check_eq "userns root: no CAP_DAC_OVERRIDE on a dir of an unmapped owner" errno=EACCES "$(pick "$got" 4)"
check_absent "userns root: nothing made in the unmapped dir" "$UR/unmapped/node"
check_eq "userns root: mknod b 8:0: refused" errno=EPERM "$(pick "$got" 5)"
check_absent "userns root: b 8:0 not made" "$UR/tmp/u-blk"
check_eq "userns root, inside: stat shows the node as 0:0" "character special file 1:3 644 0:0" "$(pick "$got" 6)"
check_eq "userns root, inside: the zero device reads zeros" 0000000000000000 "$(pick "$got" 7)"
check_eq "userns root, inside: the null device takes writes" written "$(pick "$got" 8)"

# A non-root container user with CAP_MKNOD (ambient, so it survives exec).
bundle_jq "$U" '.process.user = {uid: 1000, gid: 1000}
        | .process.capabilities.inheritable = ["CAP_MKNOD"]
        | .process.capabilities.ambient = ((.process.capabilities.ambient // []) + ["CAP_MKNOD"] | unique)'
got=$(in_script "$U" it-userns-user <<'EOF'
r 1 id -u
r 2 /bin/sc-probe mknod /tmp/user-null c 1:3 0666
r 3 /bin/sc-probe mknod /mapped-ro/user-node c 1:3 0666
r 4 stat -c '%u:%g' /tmp/user-null
EOF
)
check_eq "userns user: runs as uid 1000" 1000 "$(pick "$got" 1)"
check_eq "userns user 1000 with CAP_MKNOD: mknod char 1:3: allowed" ok "$(pick "$got" 2)"
check_node "userns user 1000: node owned by host 101000:101000" "$UR/tmp/user-null" \
        "character special file 1:3 644 101000:101000"
check_eq "userns user 1000: no write permission on a read-only dir" errno=EACCES "$(pick "$got" 3)"
check_absent "userns user 1000: nothing made in the read-only dir" "$UR/mapped-ro/user-node"
check_eq "userns user 1000, inside: the node is 1000:1000" 1000:1000 "$(pick "$got" 4)"

# The same user without CAP_MKNOD: the kernel's EPERM, nothing made.
bundle_drop_caps "$U" CAP_MKNOD
got=$(in_script "$U" it-userns-nocap <<'EOF'
r 1 /bin/sc-probe mknod /tmp/nocap-null c 1:3 0666
r 2 /bin/sc-probe mknod /tmp/nocap-fifo p 0:0 0666
EOF
)
check_eq "userns user 1000 without CAP_MKNOD: mknod char 1:3 refused" errno=EPERM "$(pick "$got" 1)"
check_absent "userns user 1000 without CAP_MKNOD: nothing made" "$UR/tmp/nocap-null"
check_eq "userns user 1000 without CAP_MKNOD: a FIFO needs no capability" ok "$(pick "$got" 2)"
check_node "userns user 1000: FIFO made by the kernel as the user" "$UR/tmp/nocap-fifo" "fifo 0:0 644 101000:101000"

check_eq "stats after the userns containers: received, continued, errno, emulated, failed" \
        "33 2 4 19 8" "$(totals)"

# ================================================ runc exec into a running container
X=$IT_TMP/exec
make_bundle "$X" host
XR=$X/rootfs
ID=it-exec
cat >"$XR/init.sh" <<'EOF'
/bin/sc-probe mknod /tmp/init-null c 1:3 0666 >/tmp/init.out
exec sleep 1000
EOF
bundle_args "$X" /bin/sh /init.sh
timeout 30 runc --root "$RUNC_ROOT" run -d --bundle "$X" "$ID" </dev/null >/dev/null 2>>"$IT_TMP/stderr.log" ||
        bail "runc run -d $ID failed"
init_done() { [[ "$(cat "$XR/tmp/init.out" 2>/dev/null)" == ok ]]; }
wait_for "detached container: its init's mknod is served" 10 init_done
check_node "detached container: init's node" "$XR/tmp/init-null" "character special file 1:3 644 0:0"
init_pid=$(rc_ state "$ID" | jq -r .pid)

# A second process with its own filter, for as long as it runs.
timeout 30 runc --root "$RUNC_ROOT" exec -d "$ID" /bin/sleep 1000 </dev/null >/dev/null 2>>"$IT_TMP/stderr.log"
listeners() { ctl_json "[.containers[] | select(.id == \"$ID\") | .listeners] | add" containers; }
two_listeners() { [[ "$(listeners)" == 2 ]]; }
wait_for "runc exec -d: the container has two listeners" 10 two_listeners

got=$(timeout 30 runc --root "$RUNC_ROOT" exec "$ID" /bin/sc-probe mknod /tmp/exec-null c 1:3 0666 \
        </dev/null 2>>"$IT_TMP/stderr.log")
check_eq "runc exec: mknod char 1:3: allowed" ok "$got"
check_node "runc exec: node made in the container's root" "$XR/tmp/exec-null" "character special file 1:3 644 0:0"
got=$(timeout 30 runc --root "$RUNC_ROOT" exec "$ID" /bin/sc-probe mknod /tmp/exec-blk b 8:0 0600 \
        </dev/null 2>>"$IT_TMP/stderr.log")
check_eq "runc exec: mknod b 8:0: refused" errno=EPERM "$got"
check_absent "runc exec: b 8:0 not made" "$XR/tmp/exec-blk"

# The finished exec's listener goes; the record stays, one per container id.
wait_for "runc exec: the finished exec's listener is closed" 10 two_listeners
check_eq "containers: one record for $ID" 1 "$(ctl_json "[.containers[] | select(.id == \"$ID\")] | length" containers)"
rec=$(ctl_json ".containers[] | select(.id == \"$ID\") |
        [.init_pid, .policy, .policy_version, .bundle, .pending, .counters.received, .counters.emulated,
         .counters.errored, .counters.continued, .counters.caller_gone] | map(tostring) | join(\" \")" containers)
check_eq "containers: init pid, policy and version, bundle and counters of $ID" \
        "$init_pid default 1 $X 0 3 2 1 0 0" "$rec"
row=$(ctl containers 2>>"$IT_TMP/stderr.log" | awk -v id="$ID" '$1 == id { $1 = $1; print }')
check_eq "seccompctl containers: the row for $ID" "$ID $init_pid default v1 2 3 0 1 2 0 0 0" "$row"
check_eq "seccompctl containers: the header" "ID PID POLICY LISTENERS RECEIVED CONTINUED ERRNO EMULATED FAILED GONE LIMITED" \
        "$(ctl containers 2>>"$IT_TMP/stderr.log" | head -n 1 | tr -s ' ')"

rc_ kill "$ID" KILL >/dev/null 2>>"$IT_TMP/stderr.log"
gone_runc() { ! rc_ state "$ID" >/dev/null 2>&1 || [[ "$(rc_ state "$ID" | jq -r .status)" == stopped ]]; }
wait_for "runc kill: the container stops" 10 gone_runc
rc_ delete -f "$ID" >/dev/null 2>>"$IT_TMP/stderr.log"
no_record() { [[ "$(ctl_json "[.containers[] | select(.id == \"$ID\")] | length" containers)" == 0 ]]; }
wait_for "after kill and delete, the record of $ID is gone" 5 no_record

# ---- totals: every call above was counted once, nothing is left over
check_eq "stats at the end: received, continued, errno, emulated, failed" "36 2 5 21 8" "$(totals)"
check_eq "stats: no container left" 0 "$(ctl_json .containers stats)"
check_eq "nothing is pending at the end" 0 "$(ctl_json '.pending | length' pending)"
check_eq "stats: nothing failed to read or was lost" "0 0" \
        "$(ctl_json '[.totals.read_failed, .totals.caller_gone] | map(tostring) | join(" ")' stats)"
daemon_healthy "the daemon is healthy after the runc containers"
daemon_stop
