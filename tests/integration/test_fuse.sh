#!/bin/bash
# A FUSE redirect (policy `fuse: {ext4: /usr/bin/fuse2fs}`) in a runc container
# with a user namespace: the container's `mount -t ext4 /dev/loopN /mnt` is
# served by the container's own fuse2fs, which seccompd starts in the caller's
# namespaces, cgroups and credentials. Checked while it runs: a FUSE mount
# inside, fuse2fs in the container's pid namespace and cgroups as the
# container's root (host uid 100000), never host root, and no ext4 mount of the
# device in any mount namespace. After: the file written inside reads back on
# the host. Then a program that fails (EIO), one that is missing (ENODEV) and
# one that hangs (the policy's timeout errno). Cleans up the loop device on any
# exit.
source "$IT_LIB"

require_runtime
for tool in mkfs.ext4 losetup debugfs fuse2fs ldd; do
        command -v "$tool" >/dev/null || bail "$tool is not installed (scripts/test.sh installs e2fsprogs and fuse2fs)"
done
[[ -c /dev/fuse ]] || bail "no /dev/fuse on the host (the fuse module is not loaded)"
FUSE2FS=$(command -v fuse2fs)

# ---- an ext4 image on a loop device. fuse2fs runs in the user namespace:
# it stores the ids it is asked for, the container's (0), not the host's.
loop_ext4 0:0

# The container's root opens the device and /dev/fuse itself: nodes of its
# own, bind-mounted in (the host's /dev stays as it is).
mknod "$IT_TMP/loopdev" b "$MAJ" "$MIN" && chown 100000:100000 "$IT_TMP/loopdev" && chmod 0600 "$IT_TMP/loopdev" ||
        bail "mknod loopdev"
mknod "$IT_TMP/fusedev" c 10 229 && chmod 0666 "$IT_TMP/fusedev" || bail "mknod fusedev"

P=$IT_TMP/policies
mkdir -p "$P"
cat >"$P/fuse-test.yaml" <<EOF
name: fuse-test
description: ext4 served by the container's fuse2fs; ext3, ext2, btrfs by programs that fail
default: continue
rules:
  - name: mounts
    syscalls: mount
    action:
      emulate: mount
      filesystems: [ext4, ext3, ext2, btrfs]
      sources: ["7:*"]
      flags: [MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_SILENT, MS_RELATIME]
      fuse: {ext4: $FUSE2FS, ext3: /bin/false, ext2: /bin/hang, btrfs: /usr/bin/missing}
      timeout: 3s
      timeout_errno: EINTR
  - name: unmounts
    syscalls: umount2
    action: {emulate: mount, filesystems: [ext4]}
EOF
daemon_start --policy-dir "$P"

# ---- the bundle: busybox, fuse2fs with its libraries and loader, the nodes
B=$IT_TMP/userns
make_bundle "$B" userns
R=$B/rootfs
mkdir -p "$R/mnt" "$R/mnt2"
mkdir -p "$R$(dirname "$FUSE2FS")"
cp "$FUSE2FS" "$R$FUSE2FS"
for lib in $(ldd "$FUSE2FS" | grep -o '/[^ ]*'); do
        mkdir -p "$R$(dirname "$lib")" && cp -L "$lib" "$R$lib" || bail "cannot copy $lib"
done
printf '#!/bin/sh\nexec sleep 60\n' >"$R/bin/hang"
chmod 0755 "$R/bin/hang"
{
        bundle_policy "$B" fuse-test &&
                bundle_seccomp_add "$B" mount umount2 &&
                bundle_add_caps "$B" CAP_SYS_ADMIN &&
                bundle_bind "$B" "$IT_TMP/loopdev" "$LOOP" &&
                bundle_bind "$B" "$IT_TMP/fusedev" /dev/fuse &&
                bundle_allow_device "$B" b "$MAJ" "$MIN" &&
                bundle_allow_device "$B" c 10 229
} || bail "jq failed"
chown -R 100000:100000 "$R"

# Lines of any mount namespace's mountinfo that mount |fstype| from the loop device.
host_kernel_mounts() {
        cat /proc/[0-9]*/mountinfo 2>/dev/null | grep -c " - $1 $LOOP " || true
}

# ---- ext4 through fuse2fs: mount, write, hold while the host looks, unmount
cat >"$R/it-script.sh" <<EOF
r() { t=\$1; shift; echo "\$t=\$("\$@" 2>&1 | tr "\n" " " | sed "s/ \$//")"; }
r 1 mount -t ext4 $LOOP /mnt
r 2 sh -c 'grep " /mnt " /proc/mounts | cut -d" " -f1-3'
r 2b grep -c " fuse" /proc/mounts
r 3 sh -c 'echo written-inside >/mnt/hello && cat /mnt/hello'
r 4 sh -c 'pidof fuse2fs >/dev/null && echo running'
touch /ready
while [ ! -e /done ]; do sleep 0.1; done
r 5 umount /mnt
# fuse2fs flushes and exits once unmounted.
i=0; while pidof fuse2fs >/dev/null && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
r 6 sh -c 'pidof fuse2fs || echo gone'
r 7 sh -c 'grep -c " /mnt " /proc/mounts'
EOF
before=$(emulated)
bundle_args "$B" /bin/sh /it-script.sh
timeout -k 5 60 runc --root "$RUNC_ROOT" run --bundle "$B" it-fuse </dev/null >"$IT_TMP/out" 2>>"$IT_TMP/stderr.log" &
RUNC=$!
at_exit "kill $RUNC"
for ((i = 0; i < 300; i++)); do
        [[ -e "$R/ready" ]] && break
        kill -0 "$RUNC" 2>/dev/null || break
        sleep 0.1
done
[[ -e "$R/ready" ]] || { cat "$IT_TMP/out" >&2; bail "the container did not get to its checks"; }

CINIT=$(rc_ state it-fuse | jq -r .pid)
FPID=$(pgrep -f "^$FUSE2FS $LOOP /mnt" | head -n 1)
note "container init $CINIT, fuse2fs $FPID"
check_match "fuse2fs runs" '^[0-9]+$' "$FPID"
check_eq "fuse2fs runs as the container's root: host uid 100000, never host root" "100000 100000 100000 100000" \
        "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$FPID/status" 2>&1)"
check_eq "fuse2fs has the container's gid" "100000 100000 100000 100000" \
        "$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$FPID/status" 2>&1)"
for ns in user mnt pid net ipc uts cgroup; do
        check_eq "fuse2fs is in the container's $ns namespace" "$(readlink "/proc/$CINIT/ns/$ns")" \
                "$(readlink "/proc/$FPID/ns/$ns")"
done
check_eq "fuse2fs is in the container's cgroups" "$(cat "/proc/$CINIT/cgroup")" "$(cat "/proc/$FPID/cgroup")"
check_eq "fuse2fs has no more capabilities than the container's bounding set" \
        "$(awk '/^CapBnd:/ {print $2}' "/proc/$CINIT/status")" "$(awk '/^CapBnd:/ {print $2}' "/proc/$FPID/status")"
check_eq "the FUSE mount is in the container's mount namespace" 1 \
        "$(grep -c " /mnt [^ ]* - fuse.ext4 $LOOP " "/proc/$CINIT/mountinfo")"
check_eq "the host kernel never mounted ext4 from the device, in any namespace" 0 "$(host_kernel_mounts ext4)"
touch "$R/done"
wait "$RUNC"
got=$(cat "$IT_TMP/out")
rc_ delete -f it-fuse >/dev/null 2>&1

check_eq "ext4: busybox mount inside the container" "" "$(pick "$got" 1)"
check_eq "ext4: a FUSE mount of fuse2fs on /mnt inside" "$LOOP /mnt fuse.ext4" "$(pick "$got" 2)"
check_eq "ext4: the only FUSE mount inside" 1 "$(pick "$got" 2b)"
check_eq "ext4: a file written inside" written-inside "$(pick "$got" 3)"
check_eq "ext4: fuse2fs is in the container's pid namespace" running "$(pick "$got" 4)"
check_eq "ext4: umount inside (the kernel's: the mount is the container's)" "" "$(pick "$got" 5)"
check_eq "ext4: fuse2fs exited after the umount" gone "$(pick "$got" 6)"
check_eq "ext4: gone from the container's mounts" 0 "$(pick "$got" 7)"
check_eq "ext4: the mount was emulated by seccompd, the umount went to the kernel" $((before + 1)) "$(emulated)"
check_eq "ext4: the file reads back on the host" written-inside "$(debugfs -R 'cat /hello' "$LOOP" 2>/dev/null)"
check_eq "ext4: owned by the container's root, as the container names it (0)" 0 \
        "$(debugfs -R 'stat /hello' "$LOOP" 2>/dev/null | sed -n 's/.*User: *\([0-9]*\).*/\1/p')"
check_eq "ext4: never mounted by the host kernel" 0 "$(host_kernel_mounts ext4)"

# ---- programs that fail
cat >"$R/it-script.sh" <<EOF
r() { t=\$1; shift; echo "\$t=\$("\$@" 2>&1 | tr "\n" " " | sed "s/ \$//")"; }
r 1 /bin/sc-probe mount $LOOP /mnt ext3 0 -
r 2 /bin/sc-probe mount $LOOP /mnt btrfs 0 -
r 3 /bin/sc-probe mount $LOOP /mnt ext2 0 -
r 4 sh -c 'pidof sleep || echo none'
r 5 /bin/sc-probe mount $LOOP /mnt/nonexistent ext4 0 -
r 6 grep -c " fuse" /proc/mounts
EOF
got=$(in_container "$B" it-fuse-fail /bin/sh /it-script.sh)
check_eq "a FUSE program that exits non-zero: EIO" errno=EIO "$(pick "$got" 1)"
check_eq "a FUSE program missing from the container: ENODEV" errno=ENODEV "$(pick "$got" 2)"
check_eq "a FUSE program that hangs: the policy's timeout errno" errno=EINTR "$(pick "$got" 3)"
check_eq "a FUSE program that hangs: killed" none "$(pick "$got" 4)"
check_eq "a missing target: ENOENT before any program runs" errno=ENOENT "$(pick "$got" 5)"
check_eq "nothing mounted by the failures" 0 "$(pick "$got" 6)"
check_eq "no process of the test left on the host" "" "$(pgrep -f "^$FUSE2FS $LOOP|sleep 60" || true)"
check_eq "the host kernel never mounted the device" 0 "$(host_kernel_mounts ext4)"

daemon_healthy "seccompd still healthy"
daemon_stop
