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
source "$(dirname "$IT_LIB")/sriov_lib.sh"

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

all_free="0000:3b:02.0 $POOL free 0 ${VETH[0]}
0000:3b:02.1 $POOL free 0 ${VETH[1]}
0000:3b:02.2 $POOL free 1 ${VETH[2]}"
row_fields='[.addr, .pool, .state, (.numa_node | tostring), .host_ifname] | join(" ")'
check_eq "vf list: the pool's 3 VFs, free, with their NUMA node and netdev" "$all_free" "$(vf_rows "$row_fields")"

all_links=$(printf '%s\n' "${PEER[@]}" "${VETH[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
check_eq "host: the 3 veth pairs before any container" "$all_links" "$(host_links)"


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
