# Shared by the SR-IOV integration tests (sourced after lib.sh): a fake sysfs
# tree (one PF, 3 VFs on two NUMA nodes, laid out as tests/unit/fake_sysfs.c
# does) whose VFs' netdevs are real veths, a daemon config with one netdev
# pool over it, and checks of where the veths are and what is recorded.

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
        all_links=$(printf '%s\n' "${PEER[@]}" "${VETH[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
        all_free="0000:3b:02.0 $POOL free 0 ${VETH[0]}
0000:3b:02.1 $POOL free 0 ${VETH[1]}
0000:3b:02.2 $POOL free 1 ${VETH[2]}"
        SRIOV_PREFIX=$prefix
}

# ------------------------------------------------------- the fake sysfs
# As fake_sysfs_add_pf/fake_sysfs_add_node: devices/pci0000:BB/ADDR/ with
# vendor, device, numa_node, driver -> ../../../bus/pci/drivers/NAME, net/IF/;
# bus/pci/devices/ADDR -> the directory; class/net/IF -> its net/IF; on the PF
# sriov_totalvfs, sriov_numvfs and virtfnN -> ../VF; on a VF physfn -> ../PF
# and iommu_group -> ../../../kernel/iommu_groups/N.

# put DIR NAME VALUE: a one-line attribute.
put() {
        printf '%s\n' "$3" >"$1/$2"
}

# add_function ADDR NUMA DEVICE DRIVER IFNAME
add_function() {
        local addr=$1 numa=$2 device=$3 driver=$4 ifname=$5 bus=${1:5:2}
        local dir=$SYSFS/devices/pci0000:$bus/$addr
        mkdir -p "$dir" "$SYSFS/bus/pci/devices" || bail "mkdir $dir"
        ln -sfn "../../../devices/pci0000:$bus/$addr" "$SYSFS/bus/pci/devices/$addr"
        put "$dir" vendor 0x8086
        put "$dir" device "$device"
        put "$dir" numa_node "$numa"
        mkdir -p "$SYSFS/bus/pci/drivers/$driver"
        ln -sfn "../../../bus/pci/drivers/$driver" "$dir/driver"
        mkdir -p "$dir/net/$ifname" "$SYSFS/class/net"
        ln -sfn "../../devices/pci0000:$bus/$addr/net/$ifname" "$SYSFS/class/net/$ifname"
}

sriov_make_sysfs() {
        local pf_dir=$SYSFS/devices/pci0000:3b/$PF i
        add_function "$PF" 0 0x1593 ice "$PF_IF"
        put "$pf_dir" sriov_totalvfs 8
        put "$pf_dir" sriov_numvfs 3
        for i in 0 1 2; do
                add_function "${VF_ADDR[i]}" "${VF_NUMA[i]}" 0x154c iavf "${VETH[i]}"
                ln -sfn "../$PF" "$SYSFS/devices/pci0000:3b/${VF_ADDR[i]}/physfn"
                ln -sfn "../${VF_ADDR[i]}" "$pf_dir/virtfn$i"
                mkdir -p "$SYSFS/kernel/iommu_groups/$((40 + i))"
                ln -sfn "../../../kernel/iommu_groups/$((40 + i))" \
                        "$SYSFS/devices/pci0000:3b/${VF_ADDR[i]}/iommu_group"
        done
        for i in 0 1; do
                mkdir -p "$SYSFS/devices/system/node/node$i"
                put "$SYSFS/devices/system/node/node$i" cpulist "$i"
        done
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
