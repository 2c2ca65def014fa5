#!/bin/bash
# Hostile arguments against every emulator the nested-containers policy reaches
# (mknod, mknodat, mount, umount2, setxattr, lsetxattr, fsetxattr, sysinfo, bpf),
# from sc-hostile in a userns runc container: unmapped pointers, strings without
# a NUL or running into an unmapped page or across a page boundary, dirfds of
# every kind, symlink, "..", and /proc magic-link escapes, read-only buffers, and
# args another thread rewrites while seccompd holds the call. Every case runs
# twice: under seccompd, and trapped with a policy that continues everything, so
# the kernel's own answer in the same container is measured beside seccompd's.
# Afterwards the host is checked: nothing made, mounted or set outside the
# container, the daemon healthy and nothing pending.
source "$IT_LIB"

: "${SC_HOSTILE:?}"
require_runtime
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || bail "the kernel has no overlayfs"

E=sc-hostile-$$ # in the name of everything an attack may try to make
HOSTDIR=$IT_TMP/hostdir-$E
mkdir -p "$HOSTDIR"
echo host >"$HOSTDIR/target"
[[ ! -e /$E && ! -e /tmp/$E ]] || bail "/$E exists on the host"

# What the host looks like before any attack: its mounts, and every file (but
# the bundles') whose name carries $E.
host_mounts() { findmnt -rn -o TARGET,SOURCE,FSTYPE | sort; }
host_files() {
        find / -xdev \( -path "$IT_TMP" -o -path /proc -o -path /sys \) -prune -o -name "*$E*" -print 2>/dev/null |
                grep -v "^$HOSTDIR$" | sort
}
MOUNTS_BEFORE=$(host_mounts)
FILES_BEFORE=$(host_files)

P=$IT_TMP/policies
mkdir -p "$P"
cp "$(dirname "$IT_LIB")/../../examples/policies/nested-containers.yaml" "$P/" || bail "no nested-containers.yaml"
cat >"$P/kernel.yaml" <<'YAML'
name: kernel
description: every trapped call back to the kernel, for its own answers
default: continue
rules: []
YAML
SYSCALLS=(mknod mknodat mount umount2 setxattr lsetxattr fsetxattr sysinfo bpf)
daemon_start --policy-dir "$P"

# ---- the container: userns, the capabilities an engine inside has in its own
# namespace, sc-hostile, layers for overlay, escapes to host paths
B=$IT_TMP/bundle
make_bundle "$B" userns
R=$B/rootfs
cp "$SC_HOSTILE" "$R/bin/sc-hostile"
mkdir -p "$R"/{d,mnt,mnt2,l1,l2,u,w,tmp/sub/deeper}
echo file >"$R/f"
ln -s "$HOSTDIR" "$R/esc-host"
ln -s ../../../../../../.. "$R/tmp/esc-up"
ln -s / "$R/tmp/esc-root"
chown -R -h 100000:100000 "$R"
{
        bundle_seccomp "$B" "${SYSCALLS[@]}" &&
                bundle_add_caps "$B" CAP_SYS_ADMIN CAP_BPF CAP_NET_ADMIN
} || bail "jq failed"

# ---- the cases: TAG, seccompd's errno, the kernel's, sc-hostile's args
TAGS=()
WANT=()
KERNEL=()
SCRIPT=
# attack TAG SECCOMPD KERNEL ARG...: "ok" or an errno name; KERNEL is what the
# kernel answers the same call in the same container (policy kernel).
attack() {
        TAGS+=("$1")
        WANT+=("$2")
        KERNEL+=("$3")
        SCRIPT+="r $1 /bin/sc-hostile $(printf '%q ' "${@:4}")"$'\n'
}
dev=020600 # S_IFCHR|0600

# mknod / mknodat: the path pointer
attack mknod-unmapped EFAULT EFAULT mknod @unmapped $dev 1:3
attack mknod-nonul ENAMETOOLONG ENAMETOOLONG mknod @nonul $dev 1:3
attack mknod-cliff EFAULT EFAULT mknod @cliff $dev 1:3
attack mknod-null EFAULT EFAULT mknod - $dev 1:3
# Device nodes are what a userns kernel refuses and seccompd makes.
attack mknod-straddle ok EPERM mknod "@straddle:/tmp/$E-straddle" $dev 1:3
# dirfds: -1, a closed number, a huge one, a regular file, O_PATH, a directory
attack mknodat-minus1 EBADF EBADF mknodat -1 "$E-n" $dev 1:3
attack mknodat-closed EBADF EBADF mknodat closed "$E-n" $dev 1:3
attack mknodat-huge EBADF EBADF mknodat 2147483647 "$E-n" $dev 1:3
attack mknodat-file ENOTDIR ENOTDIR mknodat file:/f "$E-n" $dev 1:3
attack mknodat-opath ok EPERM mknodat opath:/d "$E-opath" $dev 1:3
attack mknodat-dir ok EPERM mknodat dir:/tmp/sub "$E-dir" $dev 1:3
attack mknodat-abs-ignores-fd ok EPERM mknodat -1 "/tmp/$E-abs" $dev 1:3
# escapes: out of the root by symlinks and "..": clamped at the container's root
attack mknod-esc-host ENOENT ENOENT mknod "/esc-host/$E-h" $dev 1:3
attack mknod-esc-up ok EPERM mknod "/tmp/esc-up/$E-up" $dev 1:3
attack mknod-esc-root ok EPERM mknod "/tmp/esc-root/../../$E-root" $dev 1:3
attack mknodat-dotdot ok EPERM mknodat dir:/tmp/sub/deeper "../../../../../$E-dd" $dev 1:3
# Magic links: seccompd refuses them (ELOOP: inside the container they would
# name another process's root), the kernel follows them inside the container.
# /proc/self is resolved by seccompd in the container's procfs, where seccompd
# has no pid: ENOENT before any magic link is reached.
attack mknod-magic-self ENOENT EPERM mknod "/proc/self/root/tmp/$E-ms" $dev 1:3
attack mknod-magic-init ELOOP EPERM mknod "/proc/1/root/tmp/$E-mi" $dev 1:3
attack mknod-magic-fd ENOENT EPERM mknodat dir:/ "/proc/self/cwd/tmp/$E-mf" $dev 1:3
attack mknod-magic-init-cwd ELOOP EPERM mknodat dir:/ "/proc/1/cwd/tmp/$E-mc" $dev 1:3

# mount: each string pointer; the kernel mounts tmpfs and overlay in a userns too
attack mount-target-unmapped EFAULT EFAULT mount none @unmapped tmpfs 0 -
attack mount-target-nonul ENAMETOOLONG ENAMETOOLONG mount none @nonul tmpfs 0 -
attack mount-target-cliff EFAULT EFAULT mount none @cliff tmpfs 0 -
attack mount-source-unmapped EFAULT EFAULT mount @unmapped /mnt tmpfs 0 -
attack mount-source-nonul EINVAL EINVAL mount @nonul /mnt tmpfs 0 -
attack mount-fstype-nonul EINVAL EINVAL mount none /mnt @nonul 0 -
attack mount-fstype-unmapped EFAULT EFAULT mount none /mnt @unmapped 0 -
attack mount-fstype-cliff EFAULT EFAULT mount none /mnt @cliff 0 -
attack mount-data-unmapped EFAULT EFAULT mount none /mnt tmpfs 0 @unmapped
attack mount-straddle ok ok mount none @straddle:/mnt2 @straddle:tmpfs 0 @straddle:size=1m
attack mount-esc-host ENOENT ENOENT mount none /esc-host tmpfs 0 -
attack mount-esc-up ok ok mount none /tmp/esc-up/mnt tmpfs 0 -
attack mount-magic ELOOP ok mount none /proc/1/root/mnt tmpfs 0 -
attack mount-magic-self ENOENT ok mount none /proc/self/root/mnt tmpfs 0 -
# overlay lowerdir lists: escapes in the layer paths. The kernel alone refuses
# the container's own overlay over these layers (measured: EACCES on 6.18), so
# its answer is no reference there; seccompd mounts it, layers found inside.
attack ovl-ok ok EACCES mount none /mnt overlay 0 "lowerdir=/l1:/l2,upperdir=/u,workdir=/w"
attack ovl-lower-esc-host ENOENT ENOENT mount none /mnt overlay 0 "lowerdir=/l1:/esc-host,upperdir=/u,workdir=/w"
attack ovl-lower-magic ELOOP EACCES mount none /mnt overlay 0 "lowerdir=/l1:/proc/1/root/l2,upperdir=/u,workdir=/w"
attack ovl-upper-magic ELOOP EACCES mount none /mnt overlay 0 "lowerdir=/l1,upperdir=/proc/1/root/u,workdir=/w"
attack ovl-lower-dotdot ok EACCES mount none /mnt overlay 0 "lowerdir=/tmp/esc-up/l1:../../../../l2,upperdir=/u,workdir=/w"
attack ovl-data-nonul EINVAL EINVAL mount none /mnt overlay 0 @nonul
# umount2: the target pointer
attack umount-unmapped EFAULT EFAULT umount2 @unmapped 0
attack umount-nonul ENAMETOOLONG ENAMETOOLONG umount2 @nonul 0
attack umount-cliff EFAULT EFAULT umount2 @cliff 0

# setxattr family: path, name, value pointers and sizes; trusted.* needs the
# initial namespace's CAP_SYS_ADMIN in the kernel
ov=trusted.overlay.opaque
attack xattr-path-unmapped EFAULT EFAULT setxattr @unmapped $ov y 1 0
attack xattr-path-nonul ENAMETOOLONG ENAMETOOLONG setxattr @nonul $ov y 1 0
attack xattr-name-unmapped EFAULT EFAULT setxattr /d @unmapped y 1 0
attack xattr-name-nonul ERANGE ERANGE setxattr /d @nonul y 1 0
attack xattr-name-cliff EFAULT EFAULT setxattr /d @cliff y 1 0
attack xattr-value-unmapped EFAULT EFAULT setxattr /d $ov @unmapped 1 0
attack xattr-value-huge E2BIG E2BIG setxattr /d $ov @rw 65537 0
attack xattr-value-huger E2BIG E2BIG setxattr /d $ov @rw 0x10000000000 0
attack xattr-straddle ok EPERM setxattr @straddle:/d @straddle:$ov @straddle:y len 0
attack xattr-esc-host ENOENT ENOENT setxattr /esc-host/target $ov y 1 0
attack xattr-magic ELOOP EPERM setxattr /proc/1/root/d $ov y 1 0
attack xattr-magic-self ENOENT EPERM setxattr /proc/self/root/d $ov y 1 0
attack lxattr-esc-up ok EPERM lsetxattr /tmp/esc-up/f $ov y 1 0
attack fxattr-minus1 EBADF EBADF fsetxattr -1 $ov y 1 0
attack fxattr-closed EBADF EBADF fsetxattr closed $ov y 1 0
attack fxattr-huge EBADF EBADF fsetxattr 2147483647 $ov y 1 0
attack fxattr-opath EBADF EBADF fsetxattr opath:/d $ov y 1 0
attack fxattr-file ok EPERM fsetxattr file:/f $ov y 1 0

# sysinfo: the buffer seccompd writes back
attack sysinfo-null EFAULT EFAULT sysinfo -
attack sysinfo-unmapped EFAULT EFAULT sysinfo @unmapped
attack sysinfo-ro "EFAULT intact" "EFAULT intact" sysinfo @ro
attack sysinfo-rw ok ok sysinfo @rw

# run_cases POLICY ID: the cases in the container under POLICY.
run_cases() {
        bundle_policy "$B" "$1" || bail "jq failed"
        in_script "$B" "$2" <<<"$SCRIPT"
}
answer() { # answer OUTPUT TAG: "ok", the errno name, or sc-hostile's other words
        pick "$1" "$2" | sed 's/^errno=//'
}

# The kernel first: it makes nothing that would turn seccompd's answers into EEXIST.
kernel_out=$(run_cases kernel it-hostile-kernel)
before=$(emulated)
got_out=$(run_cases nested-containers it-hostile)
for i in "${!TAGS[@]}"; do
        check_eq "${TAGS[i]}: the kernel's own answer" "${KERNEL[i]}" "$(answer "$kernel_out" "${TAGS[i]}")"
        check_eq "${TAGS[i]}: seccompd's answer" "${WANT[i]}" "$(answer "$got_out" "${TAGS[i]}")"
done
# 7 nodes, 4 mounts, 3 xattrs, 1 sysinfo.
check_eq "every successful call was emulated by seccompd" 15 "$(($(emulated) - before))"

# ---- where the successful ones landed: inside the rootfs, owned by its root
for n in straddle opath dir abs up root dd; do
        case $n in
        opath) path=$R/d/$E-opath ;;
        dir) path=$R/tmp/sub/$E-dir ;;
        dd | up | root) path=$R/$E-$n ;;
        *) path=$R/tmp/$E-$n ;;
        esac
        check_node "mknod $n: made inside the container's root" "$path" "character special file 1:3 600 100000:100000"
done
for n in ms mi mf mc; do
        check_absent "mknod magic link ($n): nothing in the container's /tmp" "$R/tmp/$E-$n"
done
check_match "setxattr across page boundaries: set on the rootfs's /d" '^y$' \
        "$(getfattr -h --absolute-names --only-values -n $ov "$R/d" 2>&1)"
check_match "fsetxattr on the caller's file: set" '^y$' \
        "$(getfattr -h --absolute-names --only-values -n $ov "$R/f" 2>&1)"
check_match "host: the file behind /esc-host has no attribute" 'No such attribute' \
        "$(getfattr -h --absolute-names --only-values -n $ov "$HOSTDIR/target" 2>&1)"

# ---- bpf: the attr flipped by another thread between a device program and a
# kprobe one during each call: whatever seccompd read, what loads is a device
# program (seccompd loads its own copy; /proc/self/fdinfo shows the type)
got=$(in_container "$B" it-hostile-bpf /bin/sc-hostile bpf-flip 200)
check_match "bpf-flip: only device programs load, refusals are EPERM" '^device=[0-9]+ refused=[0-9]+ other=0$' "$got"
note "bpf-flip: $got"

# ---- args rewritten while seccompd holds the call (read, judged, then held
# 500 ms; the thread rewrites at 100 ms): seccompd acts on what it read
daemon_stop
daemon_start --policy-dir "$P" --debug-hold-ms 500
SCRIPT=
TAGS=()
WANT=()
swap() { # swap TAG WANT ARG...
        TAGS+=("$1")
        WANT+=("$2")
        SCRIPT+="r $1 /bin/sc-hostile $(printf '%q ' "${@:3}")"$'\n'
}
swap mknod-path ok mknod "@swap:/tmp/$E-swap=>/proc/self/root/esc-host/$E-swap" $dev 1:3
swap mknodat-path ok mknodat dir:/tmp "@swap:$E-swapat=>../esc-host/$E-swapat" $dev 1:3
swap mount-target ok mount none "@swap:/mnt2=>/esc-host" tmpfs 0 size=1m
swap mount-fstype ok mount none /mnt "@swap:tmpfs=>proc" 0 -
swap xattr-name ok setxattr /u "@swap:$ov=>trusted.evil" y 1 0
swap xattr-path ok setxattr "@swap:/w=>/esc-host/target" $ov y 1 0
SCRIPT+='r mounts sh -c "grep -E \" /mnt2? \" /proc/mounts | cut -d\" \" -f2,3 | tr \"\\n\" \" \""'$'\n'
got_out=$(IT_RUNC_TIMEOUT=60 run_cases nested-containers it-hostile-swap)
for i in "${!TAGS[@]}"; do
        check_eq "rewritten during the call, ${TAGS[i]}: seccompd's answer" "${WANT[i]}" "$(answer "$got_out" "${TAGS[i]}")"
done
check_node "rewritten mknod path: the node is where it pointed when read" "$R/tmp/$E-swap" \
        "character special file 1:3 600 100000:100000"
check_node "rewritten mknodat path: the node is where it pointed when read" "$R/tmp/$E-swapat" \
        "character special file 1:3 600 100000:100000"
check_eq "rewritten mount target and fstype: tmpfs on /mnt2 and /mnt inside" "/mnt2 tmpfs /mnt tmpfs" \
        "$(pick "$got_out" mounts)"
check_match "rewritten xattr name: the name read was set" '^y$' \
        "$(getfattr -h --absolute-names --only-values -n $ov "$R/u" 2>&1)"
check_match "rewritten xattr name: not the one written later" 'No such attribute' \
        "$(getfattr -h --absolute-names --only-values -n trusted.evil "$R/u" 2>&1)"
check_match "rewritten xattr path: set on the path read" '^y$' \
        "$(getfattr -h --absolute-names --only-values -n $ov "$R/w" 2>&1)"

# ---- the host afterwards
check_match "host: the file behind /esc-host has no attribute after the rewrites" 'No such attribute' \
        "$(getfattr -h --absolute-names --only-values -n $ov "$HOSTDIR/target" 2>&1)"
check_eq "host: nothing made in the host directory the container points at" target "$(ls "$HOSTDIR")"
check_eq "host: no file named after the attacks outside the bundle" "$FILES_BEFORE" "$(host_files)"
check_eq "host: no new mount in the host's namespace" "$MOUNTS_BEFORE" "$(host_mounts)"
check_eq "nothing is pending" 0 "$(ctl_json '.pending | length' pending)"
daemon_healthy "the daemon is healthy after the attacks"
daemon_stop
