#!/bin/bash
# Emulated mount(2)/umount2(2) in a runc container with a user namespace: an
# ext4 image on a loop device, its node given to the container, mounted from
# inside through seccompd's namespace helper, written to, unmounted, and read
# back on the host; tmpfs; a refused fstype and a refused device; targets that
# are symlinks to host paths or climb with ".." stay inside the container; and
# nothing is ever mounted in the host's namespace. Cleans up the loop device on
# any exit.
source "$IT_LIB"

require_runtime
for tool in mkfs.ext4 losetup debugfs; do
        command -v "$tool" >/dev/null || bail "$tool is not installed (scripts/test.sh installs e2fsprogs)"
done

# ---- the ext4 image on a loop device
# The container's root (host 100000) owns the filesystem's root directory.
loop_ext4 100000:100000

# ---- the policy: ext4 from this one device, tmpfs from none; flags allowlisted
P=$IT_TMP/policies
mkdir -p "$P"
cat >"$P/mount-test.yaml" <<EOF
name: mount-test
description: ext4 from one loop device and tmpfs, mounted by seccompd
default: continue
rules:
  - name: mounts
    syscalls: mount
    action:
      emulate: mount
      filesystems: [ext4, tmpfs]
      sources: ["$MAJ:$MIN", none]
      flags: [MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_SILENT, MS_RELATIME, MS_NOATIME]
  - name: unmounts
    syscalls: umount2
    action: {emulate: mount, filesystems: [ext4, tmpfs]}
EOF
daemon_start --policy-dir "$P"

# ---- a userns container: mount and umount2 trapped, CAP_SYS_ADMIN (in its
# namespace), the loop device in its /dev and allowed by its device cgroup
B=$IT_TMP/userns
make_bundle "$B" userns
R=$B/rootfs
mkdir -p "$R/mnt" "$R/mnt2" "$R/tmp/sub"
{
        bundle_policy "$B" mount-test &&
                bundle_seccomp_add "$B" mount umount2 &&
                bundle_add_caps "$B" CAP_SYS_ADMIN &&
                bundle_add_device "$B" "$LOOP" b "$MAJ" "$MIN"
} || bail "jq failed"
chown -R 100000:100000 "$R"

# ---- ext4: mount from inside (busybox mount), write, unmount
before=$(emulated)
got=$(in_script "$B" it-mount-ext4 <<EOF
r 1 mount -t ext4 $LOOP /mnt
r 2 sh -c 'grep " /mnt " /proc/mounts | cut -d" " -f1-3'
r 3 sh -c 'echo written-inside >/mnt/hello && cat /mnt/hello'
r 4 umount /mnt
r 5 sh -c 'grep -c " /mnt " /proc/mounts'
EOF
)
check_eq "ext4: busybox mount of the loop device inside the container" "" "$(pick "$got" 1)"
check_eq "ext4: mounted on /mnt inside, source as the caller named it" "$LOOP /mnt ext4" "$(pick "$got" 2)"
check_eq "ext4: a file written inside" written-inside "$(pick "$got" 3)"
check_eq "ext4: umount inside" "" "$(pick "$got" 4)"
check_eq "ext4: gone from the container's mounts" 0 "$(pick "$got" 5)"
check_eq "ext4: mount and umount2 were emulated by seccompd" $((before + 2)) "$(emulated)"
check_eq "ext4: never mounted in the host's namespace" 0 "$(findmnt -rn -S "$LOOP" | wc -l)"
check_eq "ext4: the file reads back on the host" written-inside \
        "$(debugfs -R 'cat /hello' "$LOOP" 2>/dev/null)"
check_eq "ext4: owned by the container's root (host 100000)" 100000 \
        "$(debugfs -R 'stat /hello' "$LOOP" 2>/dev/null | sed -n 's/.*User: *\([0-9]*\).*/\1/p')"

# ---- tmpfs, flags, a refused fstype, a refused device, raw args through sc-probe
mkdir -p "$IT_TMP/hostdir" "$R$IT_TMP/hostdir2"
chown -R 100000:100000 "$R$IT_TMP"
ln -sfn "$IT_TMP/hostdir" "$R/escape"
mknod "$R/other-blk" b "$MAJ" 200 || bail "mknod"
ln -sfn "$IT_TMP/hostdir2" "$R/escape2"
got=$(in_script "$B" it-mount-misc <<EOF
r 1 /bin/sc-probe mount none /mnt2 tmpfs 0x6 size=1m
r 2 sh -c 'grep " /mnt2 " /proc/mounts | cut -d" " -f1-4'
r 3 /bin/sc-probe umount2 /mnt2 0
r 4 /bin/sc-probe mount proc /mnt2 proc 0 -
r 5 /bin/sc-probe mount none /mnt2 tmpfs 0x10 -
r 6 /bin/sc-probe mount /dev/null /mnt2 ext4 0 -
r 6b /bin/sc-probe mount /other-blk /mnt2 ext4 0 -
r 7 /bin/sc-probe mount none /escape tmpfs 0 -
r 8 /bin/sc-probe mount none /escape2 tmpfs 0 -
r 9 sh -c 'grep -c " $IT_TMP/hostdir2 tmpfs" /proc/mounts'
r 10 /bin/sc-probe umount2 /escape2 0
r 11 sh -c 'cd /tmp/sub && /bin/sc-probe mount none ../../../../../mnt2 tmpfs 0 -'
r 12 sh -c 'grep -c " /mnt2 tmpfs" /proc/mounts'
r 13 sh -c 'cd /tmp/sub && /bin/sc-probe umount2 ../../../../mnt2 0'
r 14 /bin/sc-probe mount none /mnt2 tmpfs 0xc0ed0002 -
r 15 /bin/sc-probe umount2 /mnt2 0x100
r 16 /bin/sc-probe umount2 /mnt2 2
r 17 /bin/sc-probe umount2 /dev/shm 0
r 18 sh -c 'grep -c " /dev/shm " /proc/mounts'
EOF
)
check_eq "tmpfs: mount with MS_NOSUID|MS_NODEV and data" ok "$(pick "$got" 1)"
check_match "tmpfs: mounted inside with its flags and data" "^none /mnt2 tmpfs rw,nosuid,nodev,.*size=1024k" \
        "$(pick "$got" 2)"
check_eq "tmpfs: umount2" ok "$(pick "$got" 3)"
check_eq "fstype not in the policy: EPERM" errno=EPERM "$(pick "$got" 4)"
check_eq "flag not in the policy (MS_SYNCHRONOUS): EPERM" errno=EPERM "$(pick "$got" 5)"
check_eq "a source that is no block device is a label: ext4 finds nothing at it" errno=ENOENT "$(pick "$got" 6)"
check_eq "a block device the policy does not list: EPERM" errno=EPERM "$(pick "$got" 6b)"
check_eq "target symlinked to a host path: not found inside" errno=ENOENT "$(pick "$got" 7)"
check_eq "target symlinked to a host path: nothing mounted on the host" 0 "$(host_mounts_under "$IT_TMP/hostdir")"
check_eq "target symlinked to a path that exists inside: mounted" ok "$(pick "$got" 8)"
check_eq "target symlinked to a path that exists inside: mounted inside the rootfs" 1 "$(pick "$got" 9)"
check_eq "target symlinked to a path that exists inside: unmounted" ok "$(pick "$got" 10)"
check_eq "'..' in the target: mounted" ok "$(pick "$got" 11)"
check_eq "'..' in the target: clamped at the container's root (/mnt2)" 1 "$(pick "$got" 12)"
check_eq "'..' in the umount2 target: unmounted" ok "$(pick "$got" 13)"
check_eq "MS_MGC_VAL magic in the flags is ignored" ok "$(pick "$got" 14)"
check_eq "umount2 with an unknown flag: EINVAL" errno=EINVAL "$(pick "$got" 15)"
check_eq "umount2 MNT_DETACH of an emulated mount" ok "$(pick "$got" 16)"
# runc's /dev/shm is the container's own: the helper sends it back to the
# kernel (MOUNT_CONTINUE), which lets the container's root unmount it.
check_eq "umount2 of a mount seccompd did not make goes to the kernel" ok "$(pick "$got" 17)"
check_eq "umount2 of a mount seccompd did not make: the kernel unmounted it" 0 "$(pick "$got" 18)"
check_eq "nothing of the test is mounted in the host's namespace" 0 "$(host_mounts_under "$IT_TMP")"

daemon_healthy "seccompd still healthy"
daemon_stop
