#!/bin/bash
# crun, a second OCI runtime with the seccomp agent protocol (listenerPath and
# listenerMetadata), formats and sends its ContainerProcessState its own way:
# in a userns crun container mknod of a device node is emulated by seccompd
# (owned by the container's root, host 100000), refused without seccompd's
# help, and seccompctl saw the container.
#
# crun 1.8 refuses a hybrid cgroup layout whose cgroup2 hierarchy has any
# controller ("cgroups in hybrid mode not supported"), as this machine's has
# (hugetlb). So crun runs in a private mount namespace where /sys/fs/cgroup is
# the cgroup2 hierarchy (crun then sees a unified host) without a cgroup
# manager: the seccomp agent protocol, what this test is about, is unchanged.
source "$IT_LIB"

require_runtime
command -v crun >/dev/null || bail "crun is not installed (scripts/test.sh installs it)"
CRUN_ROOT=$IT_TMP/crun-root
crun_() {
        crun --root "$CRUN_ROOT" "$@"
}
at_exit "runtime_cleanup crun '$CRUN_ROOT'"

P=$IT_TMP/policies
mkdir -p "$P"
cat >"$P/kernel-only.yaml" <<'YAML'
name: kernel-only
description: every trapped call goes back to the kernel
default: continue
rules:
  - syscalls: [mknod, mknodat]
    action: continue
YAML
daemon_start --policy-dir "$P"

# in_crun DIR ID <<SCRIPT: the script on stdin run by /bin/sh in a crun container.
in_crun() {
        local dir=$1 id=$2 out rc
        {
                echo 'r() { t=$1; shift; echo "$t=$("$@" 2>&1 | tr "\n" " " | sed "s/ $//")"; }'
                cat
        } >"$dir/rootfs/it-script.sh" || bail "cannot write the script"
        bundle_args "$dir" /bin/sh /it-script.sh || bail "jq failed"
        out=$(cd "$dir" && timeout -k 5 "${IT_RUNC_TIMEOUT:-30}" unshare -m --propagation private sh -c \
                'mount --bind "$1" /sys/fs/cgroup && exec crun --cgroup-manager=disabled --root "$2" run "$3"' \
                sh "$CG2" "$CRUN_ROOT" "$id" </dev/null 2>>"$IT_TMP/stderr.log")
        rc=$?
        crun_ delete -f "$id" >/dev/null 2>&1
        outcome "$rc" "$out"
}

CG2=$(findmnt -rn -t cgroup2 -o TARGET | head -n 1)
[[ -n "$CG2" ]] || bail "no cgroup2 mount for crun"

B=$IT_TMP/bundle
make_bundle "$B" userns
# No cgroup filesystem inside: without a cgroup manager crun has none to show.
bundle_jq "$B" '.mounts |= map(select(.type != "cgroup"))' || bail "jq failed"
R=$B/rootfs

before=$(emulated)
got=$(in_crun "$B" it-crun <<'SCRIPT'
r null /bin/sc-probe mknod /tmp/null c 1:3 0666
r blk /bin/sc-probe mknod /tmp/sda b 8:0 0600
r fifo /bin/sc-probe mknod /tmp/fifo p 0:0 0600
r use sh -c 'echo data >/tmp/null && echo written'
SCRIPT
)
check_eq "crun: mknod char 1:3 emulated" ok "$(pick "$got" null)"
check_node "crun: the node in the rootfs, owned by the container's root" "$R/tmp/null" \
        "character special file 1:3 644 100000:100000"
check_eq "crun: the emulated node works" written "$(pick "$got" use)"
check_eq "crun: a block device is refused" errno=EPERM "$(pick "$got" blk)"
check_eq "crun: a FIFO is the kernel's (continue)" ok "$(pick "$got" fifo)"
check_eq "crun: the call went through seccompd" "$((before + 1))" "$(emulated)"
check_match "crun's registration was accepted (its ContainerProcessState as crun writes it)" \
        "registered listener \(init pid [0-9]+" "$(cat "$IT_TMP/daemon.log")"

# ---- the same container, the call handed back to the kernel: refused
bundle_policy "$B" kernel-only || bail "jq failed"
rm -f "$R/tmp/null"
got=$(in_crun "$B" it-crun-kernel <<'SCRIPT'
r null /bin/sc-probe mknod /tmp/null c 1:3 0666
SCRIPT
)
check_eq "crun without seccompd's help (policy continue): the kernel refuses" errno=EPERM "$(pick "$got" null)"

daemon_healthy "the daemon is healthy at the end"
daemon_stop
