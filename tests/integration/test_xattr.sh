#!/bin/bash
# trusted.overlay.* emulation in a runc container with a user namespace: the
# container builds overlayfs layers on its (disk-backed) rootfs — a whiteout made
# with mknod c 0:0, an opaque directory marked with setxattr — and the host then
# mounts overlayfs over them, which proves the attributes are the real ones the
# kernel's overlayfs reads. Also: names the policy does not emulate go to the
# kernel, files of unmapped owners, symlinks out of the rootfs, no CAP_SYS_ADMIN.
source "$IT_LIB"

require_runtime
command -v getfattr >/dev/null || bail "getfattr is not installed (scripts/test.sh installs attr)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
        bail "the kernel has no overlayfs"

P=$IT_TMP/policies
mkdir -p "$P"
cat >"$P/overlay.yaml" <<'YAML'
name: overlay
description: overlayfs layers in a user namespace - whiteouts and trusted.overlay.* xattrs
default: continue
rules:
  - name: devices
    syscalls: [mknod, mknodat]
    match:
      mode: {type: S_IFCHR}
      dev: ["1:3", "1:5", "1:7", "1:8", "1:9", "5:0", "5:2", "0:0"]
    action: emulate mknod
  - syscalls: [mknod, mknodat]
    match:
      mode: {type: [S_IFCHR, S_IFBLK]}
    action: errno EPERM
  - name: overlay-xattrs
    syscalls: [setxattr, lsetxattr, fsetxattr]
    match:
      name: {prefix: [trusted.overlay.]}
    action: {emulate: setxattr, names: [trusted.overlay.]}
YAML
daemon_start --policy-dir "$P"

# xattr PATH NAME: the value as the host sees it, or the getfattr error.
xattr() {
        getfattr -h --absolute-names --only-values -n "$2" "$1" 2>&1 | sed 's/^.*: //'
}

totals() {
        ctl_json '.totals | [.received, .continued, .errored, .emulated, .emulate_failed] |
                map(tostring) | join(" ")' stats
}

# ================================================ user namespace (0 -> 100000), CAP_SYS_ADMIN
U=$IT_TMP/userns
make_bundle "$U" userns
UR=$U/rootfs
bundle_add_caps "$U" CAP_SYS_ADMIN &&
        bundle_policy "$U" overlay &&
        bundle_seccomp "$U" mknod mknodat setxattr lsetxattr fsetxattr
[[ "$(stat -f -c %T "$UR")" != tmpfs ]] || bail "the rootfs is on tmpfs: overlay needs a disk filesystem here"

# Host-owned (unmapped) file, and symlinks out of the rootfs.
echo host >"$UR/hostowned"
chown 0:0 "$UR/hostowned"
mkdir -p "$IT_TMP/hostdir"
echo host >"$IT_TMP/hostdir/target"
ln -s "$IT_TMP/hostdir" "$UR/esc"
chown -h 100000:100000 "$UR/esc"

got=$(in_script "$U" it-xattr-layers <<'EOF'
mkdir -p /ovl/lower/dir /ovl/lower/dir2 /ovl/upper/dir /ovl/upper/dir2 /ovl/work
echo lower >/ovl/lower/gone
echo lower >/ovl/lower/keep
echo lower >/ovl/lower/dir/hidden
echo lower >/ovl/lower/dir2/visible
echo upper >/ovl/upper/dir/new
echo upper >/ovl/upper/dir2/new
echo file >/fset-file
ln -s fset-file /lnk
r wh /bin/sc-probe mknod /ovl/upper/gone c 0:0 0000
r opaque /bin/sc-probe setxattr /ovl/upper/dir trusted.overlay.opaque y
r create /bin/sc-probe setxattr /ovl/upper/dir trusted.overlay.opaque y create
r replace /bin/sc-probe setxattr /ovl/upper/dir2 trusted.overlay.origin x replace
r fset /bin/sc-probe fsetxattr /fset-file trusted.overlay.origin abc
r lset /bin/sc-probe lsetxattr /lnk trusted.overlay.origin lnk
r rel /bin/sc-probe --chdir /ovl setxattr upper/dir2 trusted.overlay.impure y
r other /bin/sc-probe setxattr /fset-file trusted.other x
r user /bin/sc-probe setxattr /fset-file user.note hello
r unmapped /bin/sc-probe setxattr /hostowned trusted.overlay.opaque y
r escape /bin/sc-probe setxattr /esc/target trusted.overlay.opaque y
r stat stat -c '%F %t:%T %u:%g' /ovl/upper/gone
EOF
)
check_eq "mknod c 0:0 (whiteout) in the upper layer: allowed" ok "$(pick "$got" wh)"
check_node "whiteout: a 0:0 char device owned by the container's root" "$UR/ovl/upper/gone" \
        "character special file 0:0 0 100000:100000"
check_eq "inside: the whiteout is 0:0, owned by 0:0" "character special file 0:0 0:0" "$(pick "$got" stat)"
check_eq "setxattr trusted.overlay.opaque on an upper dir: allowed" ok "$(pick "$got" opaque)"
check_eq "host: trusted.overlay.opaque is set on the upper dir" y "$(xattr "$UR/ovl/upper/dir" trusted.overlay.opaque)"
check_eq "setxattr XATTR_CREATE on an existing attribute" errno=EEXIST "$(pick "$got" create)"
check_eq "setxattr XATTR_REPLACE on a missing attribute" errno=ENODATA "$(pick "$got" replace)"
check_match "host: XATTR_REPLACE set nothing" "No such attribute" "$(xattr "$UR/ovl/upper/dir2" trusted.overlay.origin)"
check_eq "fsetxattr on the caller's fd: allowed" ok "$(pick "$got" fset)"
check_eq "host: fsetxattr set the file's attribute" abc "$(xattr "$UR/fset-file" trusted.overlay.origin)"
check_eq "lsetxattr on a symlink: allowed" ok "$(pick "$got" lset)"
check_eq "host: lsetxattr set the link's own attribute" lnk "$(xattr "$UR/lnk" trusted.overlay.origin)"
check_eq "setxattr relative to the cwd: allowed" ok "$(pick "$got" rel)"
check_eq "host: the relative path named the cwd's subdirectory" y "$(xattr "$UR/ovl/upper/dir2" trusted.overlay.impure)"
check_eq "trusted.other is not emulated: the kernel refuses it" errno=EPERM "$(pick "$got" other)"
check_match "host: trusted.other is not set" "No such attribute" "$(xattr "$UR/fset-file" trusted.other)"
check_eq "user.* goes to the kernel and works" ok "$(pick "$got" user)"
check_eq "host: user.note set by the kernel" hello "$(xattr "$UR/fset-file" user.note)"
check_eq "a file of an unmapped owner (host root): refused" errno=EPERM "$(pick "$got" unmapped)"
check_match "host: the host-owned file has no attribute" "No such attribute" \
        "$(xattr "$UR/hostowned" trusted.overlay.opaque)"
check_eq "a symlink to a host path resolves inside the rootfs" errno=ENOENT "$(pick "$got" escape)"
check_match "host: the host file behind the symlink is untouched" "No such attribute" \
        "$(xattr "$IT_TMP/hostdir/target" trusted.overlay.opaque)"

# ---- the host mounts overlayfs over the container's layers: the attributes are real
M=$IT_TMP/merged
mkdir -p "$M"
if mount -t overlay overlay \
        -o "lowerdir=$UR/ovl/lower,upperdir=$UR/ovl/upper,workdir=$UR/ovl/work" "$M" 2>>"$IT_TMP/stderr.log"; then
        at_exit "umount -l '$M'"
        ok "host: overlayfs mounts the container's layers"
        check_eq "overlay: the whiteout hides the lower file" "dir dir2 keep" "$(ls "$M" | tr '\n' ' ' | sed 's/ $//')"
        check_eq "overlay: the opaque dir hides the lower dir's entries" new "$(ls "$M/dir" | tr '\n' ' ' | sed 's/ $//')"
        check_eq "overlay: a dir without the attribute merges with the lower one" "new visible" \
                "$(ls "$M/dir2" | tr '\n' ' ' | sed 's/ $//')"
        check_eq "overlay: the lower file is still readable" lower "$(cat "$M/keep")"
        umount "$M"
        check_absent "overlay: unmounted" "$M/keep"
else
        not_ok "host: overlayfs mounts the container's layers" "expected: mount succeeds" \
                "got:      $(tail -n 1 "$IT_TMP/stderr.log")"
fi

# Emulated: the whiteout and 4 sets; failed: EEXIST, ENODATA, unmapped, escape.
check_eq "stats after the layers: received, continued, errno, emulated, failed" \
        "11 2 0 5 4" "$(totals)"

# ================================================ the same container without CAP_SYS_ADMIN
bundle_drop_caps "$U" CAP_SYS_ADMIN
got=$(in_script "$U" it-xattr-nocap <<'EOF'
r 1 /bin/sc-probe setxattr /ovl/upper/dir2 trusted.overlay.opaque y
r 2 /bin/sc-probe mknod /ovl/upper/gone2 c 0:0 0000
EOF
)
check_eq "without CAP_SYS_ADMIN: trusted.overlay.opaque refused" errno=EPERM "$(pick "$got" 1)"
check_match "without CAP_SYS_ADMIN: nothing set" "No such attribute" \
        "$(xattr "$UR/ovl/upper/dir2" trusted.overlay.opaque)"
check_eq "without CAP_SYS_ADMIN: a whiteout needs no capability" ok "$(pick "$got" 2)"

check_eq "stats at the end: received, continued, errno, emulated, failed" "13 2 0 6 5" "$(totals)"
check_eq "nothing is pending at the end" 0 "$(ctl_json '.pending | length' pending)"
daemon_healthy "the daemon is healthy after the overlay containers"
daemon_stop
