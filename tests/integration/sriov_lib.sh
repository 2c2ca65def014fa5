# Shared by the SR-IOV integration tests (sourced after lib.sh): a fake sysfs
# tree (one PF, 3 VFs on two NUMA nodes, laid out as tests/unit/fake_sysfs.c
# does) whose VFs' netdevs are real veths, a daemon config with one netdev
# pool over it, a fake kernel that plays the PCI driver core and
# sriov_numvfs on the tree (fake_kernel_start, once the test's tree is
# complete), and checks of where the veths are and what is recorded.

# sriov_setup PREFIX [real-pf]: VETH[i] and PEER[i] (i = 0..2) named PREFIX
# vI / pI, deleted on any exit (a veth left in a dead netns goes with it); the
# tree at $SYSFS with PF $PF whose netdev is $PF_IF (PREFIX pf: a real veth
# when "real-pf" is given, so rtnetlink can answer for it, else only a name);
# VFs VF_ADDR[i] on NUMA node VF_NUMA[i]; the config $IT_TMP/seccompd.yaml
# with pool $POOL; the state dir $IT_TMP/state.
sriov_setup() {
        local prefix=$1 i
        command -v ip >/dev/null || bail "ip (iproute2) is not installed"
        command -v nsenter >/dev/null || bail "nsenter (util-linux) is not installed"
        VETH=() PEER=()
        for i in 0 1 2; do
                VETH[i]=${prefix}v$i
                PEER[i]=${prefix}p$i
                at_exit "ip link del ${VETH[i]}; ip link del ${PEER[i]}"
                ip link add "${VETH[i]}" type veth peer name "${PEER[i]}" 2>>"$IT_TMP/stderr.log" ||
                        bail "cannot create the veth ${VETH[i]}"
        done
        SYSFS=$IT_TMP/sys
        PF=0000:3b:00.0
        PF_IF=${prefix}pf
        if [[ "${2:-}" == real-pf ]]; then
                at_exit "ip link del $PF_IF"
                ip link add "$PF_IF" type veth peer name "${prefix}pfp" 2>>"$IT_TMP/stderr.log" ||
                        bail "cannot create the veth $PF_IF"
        fi
        VF_ADDR=(0000:3b:02.0 0000:3b:02.1 0000:3b:02.2)
        VF_NUMA=(0 0 1)
        sriov_make_sysfs
        POOL=itpool
        cat >"$IT_TMP/seccompd.yaml" <<EOF
# One netdev pool over the fake PF (by its netdev name).
pools:
  - name: $POOL
    mode: netdev
    numa: prefer
    selectors:
      pfs: [$PF_IF]
      drivers: [iavf]
EOF
        mkdir -p "$IT_TMP/state"
        : >"$KERNEL_LOG"
        all_links=$(printf '%s\n' "${PEER[@]}" "${VETH[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
        all_free="0000:3b:02.0 $POOL free 0 ${VETH[0]}
0000:3b:02.1 $POOL free 0 ${VETH[1]}
0000:3b:02.2 $POOL free 1 ${VETH[2]}"
        SRIOV_PREFIX=$prefix
}

# ------------------------------------------------------- the fake sysfs
# As fake_sysfs_add_pf/fake_sysfs_add_node: devices/pci0000:BB/ADDR/ with
# vendor, device, numa_node, driver_override, driver ->
# ../../../bus/pci/drivers/NAME, net/IF/; bus/pci/devices/ADDR -> the
# directory; class/net/IF -> its net/IF; on the PF sriov_totalvfs,
# sriov_numvfs and virtfnN -> ../VF; on a VF physfn -> ../PF and iommu_group
# -> ../../../kernel/iommu_groups/N.

# put DIR NAME VALUE: a one-line attribute.
put() {
        printf '%s\n' "$3" >"$1/$2"
}

# add_function ADDR NUMA DEVICE DRIVER [IFNAME]
add_function() {
        local addr=$1 numa=$2 device=$3 driver=$4 ifname=${5:-} bus=${1:5:2}
        local dir=$SYSFS/devices/pci0000:$bus/$addr
        mkdir -p "$dir" "$SYSFS/bus/pci/devices" || bail "mkdir $dir"
        ln -sfn "../../../devices/pci0000:$bus/$addr" "$SYSFS/bus/pci/devices/$addr"
        put "$dir" vendor 0x8086
        put "$dir" device "$device"
        put "$dir" numa_node "$numa"
        : >"$dir/driver_override"
        add_driver "$driver"
        ln -sfn "../../../bus/pci/drivers/$driver" "$dir/driver"
        [[ -n "$ifname" ]] || return 0
        mkdir -p "$dir/net/$ifname" "$SYSFS/class/net"
        ln -sfn "../../devices/pci0000:$bus/$addr/net/$ifname" "$SYSFS/class/net/$ifname"
}

# add_driver NAME: bus/pci/drivers/NAME with its bind and unbind files.
add_driver() {
        mkdir -p "$SYSFS/bus/pci/drivers/$1"
        touch "$SYSFS/bus/pci/drivers/$1/bind" "$SYSFS/bus/pci/drivers/$1/unbind"
}

# add_vf PF INDEX ADDR NUMA GROUP [IFNAME]: a VF of PF (virtfnINDEX), driver iavf.
add_vf() {
        local pf=$1 i=$2 addr=$3 numa=$4 group=$5 ifname=${6:-} bus=${1:5:2}
        add_function "$addr" "$numa" 0x154c iavf "$ifname"
        ln -sfn "../$pf" "$SYSFS/devices/pci0000:$bus/$addr/physfn"
        ln -sfn "../$addr" "$SYSFS/devices/pci0000:$bus/$pf/virtfn$i"
        mkdir -p "$SYSFS/kernel/iommu_groups/$group"
        ln -sfn "../../../kernel/iommu_groups/$group" "$SYSFS/devices/pci0000:$bus/$addr/iommu_group"
}

sriov_make_sysfs() {
        local pf_dir=$SYSFS/devices/pci0000:3b/$PF i
        add_function "$PF" 0 0x1593 ice "$PF_IF"
        put "$pf_dir" sriov_totalvfs 8
        put "$pf_dir" sriov_numvfs 3
        for i in 0 1 2; do
                add_vf "$PF" "$i" "${VF_ADDR[i]}" "${VF_NUMA[i]}" $((40 + i)) "${VETH[i]}"
        done
        add_driver vfio-pci
        for i in 0 1; do
                mkdir -p "$SYSFS/devices/system/node/node$i"
                put "$SYSFS/devices/system/node/node$i" cpulist "$i"
        done
}
# vf_set_netdev ADDR IFNAME: the VF's netdev in sysfs is now IFNAME (as the
# kernel shows a netdev that came back under another name).
vf_set_netdev() {
        local dir=$SYSFS/devices/pci0000:${1:5:2}/$1
        rm -rf "$dir/net"
        mkdir -p "$dir/net/$2"
        ln -sfn "../../devices/pci0000:${1:5:2}/$1/net/$2" "$SYSFS/class/net/$2"
}

# ------------------------------------------------------- the fake kernel
# Plays the driver core and sriov_numvfs on the fake tree, one change at a
# time, each logged to $KERNEL_LOG as "DRIVER bind|unbind ADDR" or
# "PF numvfs N": the daemon waits for each change before its next write, so
# the log is the order of its writes.
KERNEL_LOG=$IT_TMP/kernel.log

# numvfs_change PFDIR N: virtfnN links (and VF directories) to match N.
numvfs_change() {
        local pf_dir=$1 n=$2 pf=${1##*/} i link
        for link in "$pf_dir"/virtfn*; do
                [[ -L "$link" ]] || continue
                rm -rf "$pf_dir/$(readlink "$link")" "$SYSFS/bus/pci/devices/$(basename "$(readlink "$link")")" "$link"
        done
        for ((i = 0; i < n; i++)); do
                add_vf "$pf" "$i" "${pf:0:8}$(printf '%02x' $((2 + i / 8))).$((i % 8))" 0 $((60 + i))
        done
}

# One look at the tree; forks only when something changed (it runs every
# 20 ms on a 2-core machine shared with the containers under test).
fake_kernel_turn() {
        local f drv addr dir pf_dir n links
        for f in "$SYSFS"/bus/pci/drivers/*/bind "$SYSFS"/bus/pci/drivers/*/unbind; do
                [[ -s "$f" ]] || continue
                read -r addr <"$f"
                : >"$f"
                drv=${f%/*}
                drv=${drv##*/}
                dir=$SYSFS/bus/pci/devices/$addr
                echo "$drv ${f##*/} $addr" >>"$KERNEL_LOG"
                if [[ "${f##*/}" == unbind ]]; then
                        rm -f "$dir/driver"
                        continue
                fi
                # vfio-pci's probe makes the group's node (class/vfio/GROUP/dev)
                # before the bind is done.
                if [[ "$drv" == vfio-pci ]]; then
                        n=$(readlink "$dir/iommu_group")
                        n=${n##*/}
                        mkdir -p "$SYSFS/class/vfio/$n"
                        put "$SYSFS/class/vfio/$n" dev "511:$n"
                fi
                ln -sfn "../../../bus/pci/drivers/$drv" "$dir/driver"
        done
        for pf_dir in "$SYSFS"/devices/pci0000:*/*; do
                [[ -f "$pf_dir/sriov_numvfs" ]] || continue
                read -r n <"$pf_dir/sriov_numvfs"
                links=("$pf_dir"/virtfn*)
                [[ "$n" =~ ^[0-9]+$ && "$n" != "${#links[@]}" ]] || continue
                echo "${pf_dir##*/} numvfs $n" >>"$KERNEL_LOG"
                numvfs_change "$pf_dir" "$n"
        done
}

fake_kernel_start() {
        mkfifo "$IT_TMP/kernel.tick" || bail "mkfifo"
        # read -t on a fifo opened read-write: a 20 ms sleep without a fork.
        (shopt -s nullglob; while :; do fake_kernel_turn; read -rt 0.02 <>"$IT_TMP/kernel.tick"; done) &
        FAKE_KERNEL_PID=$!
        at_exit "kill $FAKE_KERNEL_PID"
}

# ------------------------------------------------------------- checks

# vf_rows JQ: one jq expression over each row of `seccompctl vf list --json`,
# the rows sorted by address, one line each.
vf_rows() {
        ctl --json vf list 2>>"$IT_TMP/stderr.log" | jq -r "[.vfs[]] | sort_by(.addr)[] | $1" 2>>"$IT_TMP/stderr.log"
}
row_fields='[.addr, .pool, .state, (.numa_node | tostring), .host_ifname] | join(" ")'
# vf_free: every VF of the pool free, as $all_free says.
vf_free() {
        [[ "$(vf_rows "$row_fields")" == "$all_free" ]]
}

# on_host IF: IF is a link in the host's network namespace.
on_host() {
        ip link show dev "$1" >/dev/null 2>&1
}
# host_links: the VF veths and peers on the host, sorted (temporary names
# included; the PF's veth pair left out).
host_links() {
        ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep "^$SRIOV_PREFIX" |
                grep -v "^${SRIOV_PREFIX}pf" | sort | tr '\n' ' ' | sed 's/ $//'
}
# state_records: the allocation records in the state dir (not the lock files).
state_records() {
        find "$IT_TMP/state" -type f -name 'vf-*' ! -name '*.lock' -printf '%P\n' 2>/dev/null | sort | tr '\n' ' ' |
                sed 's/ $//'
}

# bundle_vf DIR POOL [COUNT]: the hook at createRuntime and poststop, the
# annotations asking for COUNT VF(s) of POOL as eth1, the container on CPU 1
# (node 1 in the fake tree).
bundle_vf() {
        bundle_jq "$1" --arg shim "$SECCOMPD_SHIM" --arg ctl "$CTL" --arg pool "$2" --arg count "${3:-}" '
                {path: $shim, args: ["seccompd-shim", "hook", "--socket", $ctl], timeout: 10} as $hook
                | .hooks = {createRuntime: [$hook], poststop: [$hook]}
                | .annotations = ({"org.seccompd.policy": "default", "org.seccompd.vf.pool": $pool,
                                   "org.seccompd.vf.name": "eth1"}
                                  + if $count == "" then {} else {"org.seccompd.vf.count": $count} end)
                | .linux.resources.cpu.cpus = "1"'
}

# sriov_start DIR ID WHAT: runc run -d of the bundle DIR as ID, which must
# start (else the test bails); $pid is its init.
sriov_start() {
        local rc
        timeout 30 runc --root "$RUNC_ROOT" run -d --bundle "$1" "$2" </dev/null >/dev/null 2>"$IT_TMP/runc.err"
        rc=$?
        cat "$IT_TMP/runc.err" >>"$IT_TMP/stderr.log"
        check_eq "$3: runc run -d succeeds" 0 "$rc"
        ((rc == 0)) || bail "the container did not start: $(tr '\n' ' ' <"$IT_TMP/runc.err")"
        pid=$(rc_ state "$2" | jq -r .pid)
}
