#!/bin/bash
# Plain processes under sc-trap, no runtime: what the built-in default policy
# emulates, refuses and hands back to the kernel; errnos as the kernel gives
# them; hostile path pointers.
source "$IT_LIB"

daemon_start
D=$IT_TMP/plain
mkdir -p "$D/sub" "$D/u"

# ---- every allowed device is made by seccompd: type, rdev, mode & ~umask, owner
for dev in 1:3 1:5 1:7 1:8 1:9 5:0 5:2 0:0; do
        maj=${dev%:*} min=${dev#*:}
        got=$(probe --umask 022 mknod "$D/chr-$maj-$min" c "$dev" 0666)
        check_eq "mknod char $dev: allowed" ok "$got"
        check_node "mknod char $dev: node type, rdev, mode 0666&~022, owner" "$D/chr-$maj-$min" \
                "character special file $(printf '%x:%x' "$maj" "$min") 644 0:0"
done

got=$(probe --umask 027 mknodat - "$D/umask" c 1:3 0666)
check_eq "mknodat with umask 027: allowed" ok "$got"
check_node "mknodat with umask 027: mode 0640" "$D/umask" "character special file 1:3 640 0:0"

# The node belongs to the caller's fsuid/fsgid, not to the daemon.
chown 1234:2345 "$D/u"
got=$(probe --fsuid 1234 --fsgid 2345 mknod "$D/u/null" c 1:3 0666)
check_eq "mknod as fsuid 1234 (CAP_MKNOD only): allowed" ok "$got"
check_node "mknod as fsuid 1234: owned by 1234:2345" "$D/u/null" "character special file 1:3 644 1234:2345"

# A call from a thread that is not the thread group leader: the notification
# names its tid, which needs a thread pidfd (PIDFD_THREAD), and must not hang.
got=$(probe --umask 022 thread mknod "$D/from-thread" c 1:3 0666)
check_eq "mknod from a second thread: emulated (not dropped as if the caller were gone)" ok "$got"
check_node "mknod from a second thread: the node" "$D/from-thread" "character special file 1:3 644 0:0"
got=$(probe --chdir "$D/sub" thread mknodat "$D/sub" rel-thread c 1:5 0600)
check_eq "mknodat from a second thread relative to a dirfd: emulated" ok "$got"
check_node "mknodat from a second thread: made under the dirfd" "$D/sub/rel-thread" \
        "character special file 1:5 600 0:0"

# ---- paths: relative to cwd, to a dirfd, across a page boundary
got=$(probe --chdir "$D/sub" mknod rel-cwd c 1:5 0600)
check_eq "mknod relative path: allowed" ok "$got"
check_node "mknod relative path: made in the caller's cwd" "$D/sub/rel-cwd" "character special file 1:5 600 0:0"

got=$(probe mknodat "$D/sub" rel-dirfd c 1:7 0600)
check_eq "mknodat relative to a dirfd: allowed" ok "$got"
check_node "mknodat relative to a dirfd: made under the dirfd" "$D/sub/rel-dirfd" \
        "character special file 1:7 600 0:0"
check_absent "mknodat relative to a dirfd: not made in the cwd" "$PWD/rel-dirfd"

got=$(probe --chdir "$D" mknodat "$D/sub" "$D/abs-dirfd" c 1:8 0600)
check_eq "mknodat with an absolute path ignores the dirfd" ok "$got"
check_node "mknodat with an absolute path: made at the path" "$D/abs-dirfd" "character special file 1:8 600 0:0"

got=$(probe straddle "$D/straddled" c 1:9 0600)
check_eq "mknod with the path across a page boundary: allowed" ok "$got"
check_node "mknod with the path across a page boundary: node" "$D/straddled" "character special file 1:9 600 0:0"

# ---- refused devices: EPERM, nothing made
for spec in "b 8:0" "c 1:1" "c 1:2" "c 4:0" "c 10:200" "b 7:0"; do
        set -- $spec
        name=denied-$1-${2/:/-}
        got=$(probe mknod "$D/$name" "$1" "$2" 0600)
        check_eq "mknod $1 $2: refused" errno=EPERM "$got"
        check_absent "mknod $1 $2: nothing made" "$D/$name"
done

# ---- FIFO, socket and regular files go back to the kernel
got=$(probe --umask 022 mknod "$D/fifo" p 0:0 0666)
check_eq "mknod FIFO: allowed" ok "$got"
check_node "mknod FIFO: made by the kernel" "$D/fifo" "fifo 0:0 644 0:0"
got=$(probe --umask 022 mknod "$D/sock" s 0:0 0666)
check_eq "mknod socket: allowed" ok "$got"
check_node "mknod socket: made by the kernel" "$D/sock" "socket 0:0 644 0:0"
got=$(probe --umask 022 mknod "$D/reg" f 0:0 0666)
check_eq "mknod S_IFREG: allowed" ok "$got"
check_node "mknod S_IFREG: made by the kernel" "$D/reg" "regular empty file 0:0 644 0:0"
got=$(probe --umask 022 mknodat - "$D/notype" 0 0:0 0666)
check_eq "mknodat without type bits: allowed" ok "$got"
check_node "mknodat without type bits: a regular file" "$D/notype" "regular empty file 0:0 644 0:0"

# ---- errors are the kernel's: each case also runs untrapped (the kernel
# itself, as root with CAP_MKNOD) on a twin path, and both must agree.
touch "$D/exists" "$IT_TMP/kernel-exists"
mkdir -p "$IT_TMP/kernel-u"
ln -s loop "$D/loop"
ln -s kernel-loop "$IT_TMP/kernel-loop"
ln -s "$D/nowhere" "$D/dangling"
ln -s "$IT_TMP/kernel-nowhere" "$IT_TMP/kernel-dangling"
long=$(printf 'a%.0s' {1..300})

# parity DESC ERRNO [PROBE OPTS] OP PATH-IN-D REST...: trapped on $D/..., kernel
# on $IT_TMP/kernel-...
parity() {
        local desc=$1 want=$2 opts=() op path got ref
        shift 2
        while [[ $1 == --* ]]; do
                opts+=("$1" "$2")
                shift 2
        done
        op=$1 path=$2
        shift 2
        got=$(probe "${opts[@]}" "$op" "$D/$path" "$@")
        ref=$("$SC_PROBE" "${opts[@]}" "$op" "$IT_TMP/kernel-$path" "$@")
        check_eq "$desc: the kernel's own answer" "$want" "$ref"
        check_eq "$desc: seccompd's answer" "$want" "$got"
}
parity "mknod over an existing file" errno=EEXIST mknod exists c 1:3 0600
parity "mknod under a missing directory" errno=ENOENT mknod missing/x c 1:3 0600
parity "mknod under a regular file" errno=ENOTDIR mknod exists/x c 1:3 0600
parity "mknod with a 300-byte name" errno=ENAMETOOLONG mknod "$long" c 1:3 0600
parity "mknod through a symlink loop" errno=ELOOP mknod loop/x c 1:3 0600
parity "mknod on a dangling symlink (not followed)" errno=EEXIST mknod dangling c 1:3 0600
check_absent "mknod on a dangling symlink: its target is not made" "$D/nowhere"
parity "mknod as fsuid 1234 in a root-owned 0755 dir" errno=EACCES --fsuid 1234 --fsgid 2345 mknod u-denied c 1:3 0600

got=$(probe mknodat fd:987 x c 1:3 0600)
check_eq "mknodat on a closed dirfd: seccompd's answer" errno=EBADF "$got"
check_eq "mknodat on a closed dirfd: the kernel's own answer" errno=EBADF \
        "$("$SC_PROBE" mknodat fd:987 x c 1:3 0600)"

# ---- hostile pointers
for spec in "unmapped EFAULT" "cliff EFAULT" "nonul ENAMETOOLONG"; do
        set -- $spec
        check_eq "path pointer '$1': the kernel's own answer" "errno=$2" "$("$SC_PROBE" badpath "$1")"
        check_eq "path pointer '$1': seccompd's answer" "errno=$2" "$(probe badpath "$1")"
done

# ---- counters: exact, since this daemon served only this script
check_eq "stats: FIFO, socket and two regular files were continued" 4 "$(ctl_json .totals.continued stats)"
check_eq "stats: six refused devices were errored" 6 "$(ctl_json .totals.errored stats)"
check_eq "stats: three unreadable paths were counted" 3 "$(ctl_json .totals.read_failed stats)"

# ---- a finished process leaves no record behind
got=$(trapped --id plain-gone -- "$SC_PROBE" mknod "$D/gone" c 1:3 0600)
check_eq "mknod by a short-lived process: allowed" ok "$got"
no_record() { [[ "$(ctl_json '[.containers[] | select(.id == "plain-gone")] | length' containers)" == 0 ]]; }
wait_for "its container record is gone once it exited" 5 no_record
check_eq "nothing is pending at the end" 0 "$(ctl_json '.pending | length' pending)"

daemon_stop
