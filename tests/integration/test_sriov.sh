#!/bin/bash
# SR-IOV netdev passthrough end to end: a fake sysfs tree (one PF, 3 VFs on two
# NUMA nodes, laid out as tests/unit/fake_sysfs.c does) whose VFs' netdevs are
# real veths; a runc container asking for a VF by annotations
# (org.seccompd.vf.pool/.name) through the createRuntime hook gets it as eth1
# in its network namespace, picked on its NUMA node; `seccompctl vf list` shows
# it in use; when the container's init dies the veth comes back to the host
# under its own name and is free again. A request the pool cannot meet fails
# the hook, so runc does not start the container, and nothing is left taken.
source "$IT_LIB"
: "${SECCOMPD_SHIM:?}"

require_runtime
command -v ip >/dev/null || bail "ip (iproute2) is not installed"
command -v nsenter >/dev/null || bail "nsenter (util-linux) is not installed"

# ------------------------------------------------------------ the veths
# VF i's netdev is VETH[i] (its peer PEER[i] stays on the host): names unique
# to this run, deleted on any exit (a veth left in a dead netns goes with it).
VETH=() PEER=()
for i in 0 1 2; do
        VETH[i]=sdt$$v$i
        PEER[i]=sdt$$p$i
        at_exit "ip link del ${VETH[i]}; ip link del ${PEER[i]}"
        ip link add "${VETH[i]}" type veth peer name "${PEER[i]}" 2>>"$IT_TMP/stderr.log" ||
                bail "cannot create the veth ${VETH[i]}"
done

# ------------------------------------------------------- the fake sysfs
# As fake_sysfs_add_pf/fake_sysfs_add_node: devices/pci0000:BB/ADDR/ with
# vendor, device, numa_node, driver -> ../../../bus/pci/drivers/NAME, net/IF/;
# bus/pci/devices/ADDR -> the directory; class/net/IF -> its net/IF; on the PF
# sriov_totalvfs, sriov_numvfs and virtfnN -> ../VF; on a VF physfn -> ../PF
# and iommu_group -> ../../../kernel/iommu_groups/N.
SYSFS=$IT_TMP/sys
PF=0000:3b:00.0
PF_IF=sdt$$pf
VF_ADDR=(0000:3b:02.0 0000:3b:02.1 0000:3b:02.2)
VF_NUMA=(0 0 1)

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

make_sysfs() {
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
make_sysfs

# ----------------------------------------------------- config and daemon
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
daemon_start --config "$IT_TMP/seccompd.yaml" --sysfs-root "$SYSFS" --state-dir "$IT_TMP/state"

# vf_rows JQ: one jq expression over each row of `seccompctl vf list --json`,
# the rows sorted by address, one line each.
vf_rows() {
        ctl --json vf list 2>>"$IT_TMP/stderr.log" | jq -r "[.vfs[]] | sort_by(.addr)[] | $1" 2>>"$IT_TMP/stderr.log"
}
all_free="0000:3b:02.0 $POOL free 0 ${VETH[0]}
0000:3b:02.1 $POOL free 0 ${VETH[1]}
0000:3b:02.2 $POOL free 1 ${VETH[2]}"
row_fields='[.addr, .pool, .state, (.numa_node | tostring), .host_ifname] | join(" ")'
check_eq "vf list: the pool's 3 VFs, free, with their NUMA node and netdev" "$all_free" "$(vf_rows "$row_fields")"

# on_host IF: IF is a link in the host's network namespace.
on_host() {
        ip link show dev "$1" >/dev/null 2>&1
}
# host_links: this run's links on the host, sorted (temporary names included).
host_links() {
        ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep "^sdt$$" | sort | tr '\n' ' ' |
                sed 's/ $//'
}
all_links=$(printf '%s\n' "${PEER[@]}" "${VETH[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
check_eq "host: the 3 veth pairs before any container" "$all_links" "$(host_links)"

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

# ========================================= a container gets a VF as eth1
B=$IT_TMP/vf
make_bundle "$B" host
bundle_vf "$B" "$POOL"
check_eq "bundle: its own network namespace (runc spec's default)" 1 \
        "$(jq '[.linux.namespaces[] | select(.type == "network")] | length' "$B/config.json")"
bundle_args "$B" /bin/sleep 1000
ID=it-sriov-$$
timeout 30 runc --root "$RUNC_ROOT" run -d --bundle "$B" "$ID" </dev/null >/dev/null 2>"$IT_TMP/runc.err"
rc=$?
cat "$IT_TMP/runc.err" >>"$IT_TMP/stderr.log"
check_eq "runc run -d with a VF request: succeeds" 0 "$rc"
((rc == 0)) || bail "the container did not start: $(tr '\n' ' ' <"$IT_TMP/runc.err")"
pid=$(rc_ state "$ID" | jq -r .pid)
note "container $ID, init pid $pid, cpus $(grep Cpus_allowed_list "/proc/$pid/status" | cut -f2)"

# The container runs on CPU 1, node 1: its VF is 0000:3b:02.2 (VETH[2]).
ct_link=$(nsenter -t "$pid" -n ip -o link show eth1 2>&1)
check_match "in the container: eth1 exists" "^[0-9]+: eth1[:@]" "$ct_link"
check_match "in the container: eth1 is up (org.seccompd.vf.up defaults to true)" "[<,]UP[,>]" "$ct_link"
# (ip shows a veth whose peer is in another namespace as eth1@ifPEER-INDEX)
check_eq "in the container: eth1 is the veth of the VF on the container's node (peer ${PEER[2]})" \
        "eth1@if$(cat "/sys/class/net/${PEER[2]}/ifindex" 2>&1)" "$(awk -F': ' '{ print $2 }' <<<"$ct_link")"
on_host "${VETH[2]}"
check_eq "host: ${VETH[2]} is gone from the host" 1 "$?"
check_eq "host: the other VFs' veths and every peer stay" \
        "$(printf '%s\n' "${PEER[@]}" "${VETH[0]}" "${VETH[1]}" | sort | tr '\n' ' ' | sed 's/ $//')" "$(host_links)"
check_eq "vf list: 0000:3b:02.2 in use by $ID as eth1, the others free" \
        "0000:3b:02.0 free  ${VETH[0]} 
0000:3b:02.1 free  ${VETH[1]} 
0000:3b:02.2 in_use $ID ${VETH[2]} eth1" \
        "$(vf_rows '[.addr, .state, .container, .host_ifname, .container_ifname] | join(" ")')"
check_match "daemon log: the VF passed in" "container $ID: VF 0000:3b:02.2 \\(${VETH[2]}\\) passed in as eth1" \
        "$(cat "$IT_TMP/daemon.log")"
# state_records: the allocation records in the state dir (not the lock files).
state_records() {
        find "$IT_TMP/state" -type f -name 'vf-*' ! -name '*.lock' -printf '%P\n' 2>/dev/null | sort | tr '\n' ' ' |
                sed 's/ $//'
}
check_eq "state dir: one allocation record, for 0000:3b:02.2" "vf-0000:3b:02.2" "$(state_records)"

# ============================== its init dies: the VF comes back, free
rc_ kill "$ID" KILL 2>>"$IT_TMP/stderr.log"
wait_for "after runc kill KILL: ${VETH[2]} is back on the host under its name" 10 on_host "${VETH[2]}"
vf_free() { [[ "$(vf_rows "$row_fields")" == "$all_free" ]]; }
wait_for "after runc kill KILL: vf list shows every VF free" 10 vf_free
check_eq "after runc kill KILL: no allocation record left in the state dir" "" "$(state_records)"
check_eq "host: the 3 veth pairs, nothing renamed" "$all_links" "$(host_links)"
check_match "host: ${VETH[2]} is back down, as it was before" "state DOWN" \
        "$(ip -o link show dev "${VETH[2]}" 2>&1)"
check_match "daemon log: the VF given back at init's exit" "container $ID: VF 0000:3b:02.2 back on the host as ${VETH[2]}" \
        "$(cat "$IT_TMP/daemon.log")"
rc_ delete -f "$ID" >/dev/null 2>>"$IT_TMP/stderr.log"
check_eq "runc delete (poststop hook) after the release: succeeds" 0 "$?"

# ====================== more VFs than the pool has: runc run fails, nothing taken
F=$IT_TMP/toomany
make_bundle "$F" host
bundle_vf "$F" "$POOL" 4
bundle_jq "$F" '.annotations["org.seccompd.vf.name"] = "eth1,eth2,eth3,eth4"'
bundle_args "$F" /bin/touch /ran
FID=it-sriov-full-$$
timeout 30 runc --root "$RUNC_ROOT" run --bundle "$F" "$FID" </dev/null >/dev/null 2>"$IT_TMP/runc.err"
rc=$?
cat "$IT_TMP/runc.err" >>"$IT_TMP/stderr.log"
check_eq "4 VFs asked of a pool of 3: runc run fails" 1 "$rc"
check_absent "4 VFs asked of a pool of 3: the container's command did not run" "$F/rootfs/ran"
check_match "4 VFs asked of a pool of 3: runc reports the hook's reason" \
        "VF pool $POOL: fewer than 4 VF\\(s\\) free" "$(cat "$IT_TMP/runc.err")"
rc_ delete -f "$FID" >/dev/null 2>&1
check_eq "4 VFs asked of a pool of 3: no veth moved or renamed" "$all_links" "$(host_links)"
check_eq "4 VFs asked of a pool of 3: vf list shows every VF free" "$all_free" "$(vf_rows "$row_fields")"
check_eq "4 VFs asked of a pool of 3: no allocation record left in the state dir" "" "$(state_records)"

check_eq "no container left" 0 "$(ctl_json '.containers | length' containers)"
daemon_healthy "the daemon is healthy after the VF passthrough"
daemon_stop
