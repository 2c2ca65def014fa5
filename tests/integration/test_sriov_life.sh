#!/bin/bash
# SR-IOV VF lifecycle on the fake sysfs tree of sriov_lib.sh (its fake kernel
# plays sriov_numvfs and the driver core): VFs made at daemon start (numvfs);
# a vfio pool (the VF bound to vfio-pci, /dev/vfio/vfio and /dev/vfio/GROUP in
# a real runc container and allowed in its devices cgroup, all undone at its
# exit); an empty pool; a daemon killed in the middle of a pass (a record for
# a dead init, the netdev under its temporary name); the daemon SIGKILLed
# with netdev and vfio containers holding VFs and restarted (the live ones'
# VFs re-adopted and released at
# their exit; of those that died meanwhile, the vfio VF back on its driver at
# once, the netdev VF freed once its netdev is back on the host; numvfs not
# changed under a VF in use); two containers racing for the last VF; a PF
# that disappears from sysfs.
source "$IT_LIB"
: "${SECCOMPD_SHIM:?}"

require_runtime
source "$(dirname "$IT_LIB")/sriov_lib.sh"
sriov_setup "sdt$$"

# A second PF, without netdevs, for the vfio pool: one VF now, two wanted.
PF2=0000:5e:00.0
add_function "$PF2" 0 0x1593 ice
put "$SYSFS/devices/pci0000:5e/$PF2" sriov_totalvfs 4
put "$SYSFS/devices/pci0000:5e/$PF2" sriov_numvfs 1
add_vf "$PF2" 0 0000:5e:02.0 0 60
VFIO_VF=(0000:5e:02.0 0000:5e:02.1)
fake_kernel_start

# write_config ITPOOL-NUMVFS: the netdev pool over PF (numvfs as given), the
# vfio pool over PF2 (numvfs 2) and a pool no VF matches.
write_config() {
        cat >"$IT_TMP/seccompd.yaml" <<EOC
pools:
  - name: itpool
    mode: netdev
    numa: prefer
    numvfs: $1
    selectors:
      pfs: [$PF_IF]
      drivers: [iavf]
  - name: vfpool
    mode: vfio
    numvfs: 2
    selectors:
      pfs: [$PF2]
  - name: empty
    mode: netdev
    selectors:
      drivers: [no-such-driver]
EOC
}
write_config 3
mkdir -p "$IT_TMP/state"
DAEMON_ARGS=(--config "$IT_TMP/seccompd.yaml" --sysfs-root "$SYSFS" --state-dir "$IT_TMP/state")
daemon_start "${DAEMON_ARGS[@]}"

# ===================================================== numvfs at start
check_eq "numvfs: PF2 went 1 -> 0 -> 2 (0 first), PF untouched" "$PF2 numvfs 0
$PF2 numvfs 2" "$(grep numvfs "$KERNEL_LOG")"
row_fields='[.addr, .pool, .state] | join(" ")'
check_eq "vf list: PF2's 2 new VFs in the vfio pool, free" "0000:5e:02.0 vfpool free
0000:5e:02.1 vfpool free" "$(vf_rows "$row_fields" | grep 5e:)"
check_match "daemon log: the change" "pool vfpool: PF $PF2: sriov_numvfs 1 -> 2" "$(cat "$IT_TMP/daemon.log")"

# start_ct ID BUNDLE: runc run -d; sets rc and leaves runc's stderr in runc.err.
start_ct() {
        timeout 30 runc --root "$RUNC_ROOT" run -d --bundle "$2" "$1" </dev/null >/dev/null 2>"$IT_TMP/runc.err"
        rc=$?
        cat "$IT_TMP/runc.err" >>"$IT_TMP/stderr.log"
}
ct_pid() {
        rc_ state "$1" | jq -r .pid
}
# vf_bundle DIR POOL: a container sleeping, asking for one VF of POOL (a
# copy of one bundle made once: make_bundle forks for every busybox applet).
make_bundle "$IT_TMP/template" host
vf_bundle() {
        cp -a "$IT_TMP/template" "$1" || bail "cp $1"
        bundle_vf "$1" "$2"
        bundle_args "$1" /bin/sleep 1000
}

# ===================================================== vfio mode
# Without its own pid namespace, a process `runc exec` starts outlives init:
# it shows the container's /dev after the release.
V=$IT_TMP/vfio
vf_bundle "$V" vfpool
bundle_jq "$V" '.linux.namespaces |= map(select(.type != "pid"))'
VID=it-vfio-$$
start_ct "$VID" "$V"
check_eq "vfio: runc run -d with a vfio pool VF: succeeds" 0 "$rc"
((rc == 0)) || bail "the vfio container did not start: $(tr '\n' ' ' <"$IT_TMP/runc.err")"
vpid=$(ct_pid "$VID")
check_eq "vfio: the driver core saw unbind from iavf, then bind to vfio-pci" \
        "iavf unbind ${VFIO_VF[0]}
vfio-pci bind ${VFIO_VF[0]}" "$(grep -v numvfs "$KERNEL_LOG")"
VF_DIR=$SYSFS/bus/pci/devices/${VFIO_VF[0]}
check_eq "vfio: driver_override is vfio-pci" "vfio-pci" "$(cat "$VF_DIR/driver_override")"
check_eq "vfio: /dev/vfio/vfio in the container: char 10:196, 0666" "10:196 666 character special file" \
        "$(stat -c '%Hr:%Lr %a %F' "/proc/$vpid/root/dev/vfio/vfio" 2>&1)"
check_eq "vfio: /dev/vfio/60 in the container: char 511:60 (class/vfio/60/dev), 0660" \
        "511:60 660 character special file" "$(stat -c '%Hr:%Lr %a %F' "/proc/$vpid/root/dev/vfio/60" 2>&1)"
cg=$(sed -n 's/^[0-9]*:devices://p' "/proc/$vpid/cgroup")
devlist=$(cat "/sys/fs/cgroup/devices$cg/devices.list" 2>&1)
check_match "vfio: devices.list of its v1 devices cgroup allows c 10:196" "(^|"$'\n'")c 10:196 rwm($|"$'\n'")" "$devlist"
check_match "vfio: devices.list of its v1 devices cgroup allows c 511:60" "(^|"$'\n'")c 511:60 rwm($|"$'\n'")" "$devlist"
# The cgroup lets the open through to the misc driver, which has no minor 196
# on this kernel (no VFIO): ENODEV, where a denied node would be EPERM.
check_match "vfio: opening /dev/vfio/vfio in the container reaches the driver (ENODEV, not EPERM)" \
        "can't open '/dev/vfio/vfio': No such device$" "$(rc_ exec "$VID" /bin/cat /dev/vfio/vfio 2>&1)"
check_eq "vfio: vf list shows ${VFIO_VF[0]} in use by $VID" "${VFIO_VF[0]} vfpool in_use $VID" \
        "$(vf_rows '[.addr, .pool, .state, .container] | join(" ")' | grep "${VFIO_VF[0]}")"
rc_ exec -d --pid-file "$IT_TMP/exec.pid" "$VID" /bin/sleep 1000 2>>"$IT_TMP/stderr.log"
xpid=$(cat "$IT_TMP/exec.pid" 2>/dev/null)
at_exit "kill -KILL $xpid"
kill -KILL "$vpid"
vf_back() { [[ "$(readlink "$VF_DIR/driver")" == */iavf ]]; }
wait_for "vfio: after init's SIGKILL the VF is back on iavf" 10 vf_back
check_eq "vfio: the driver core saw unbind from vfio-pci, then bind to iavf" \
        "vfio-pci unbind ${VFIO_VF[0]}
iavf bind ${VFIO_VF[0]}" "$(grep -v numvfs "$KERNEL_LOG" | tail -n 2)"
check_eq "vfio: driver_override cleared" "" "$(tr -d '\n' <"$VF_DIR/driver_override")"
check_absent "vfio: /dev/vfio gone from the container (seen by a surviving process)" "/proc/$xpid/root/dev/vfio"
check_match "vfio: the surviving process does see the container's /dev" "null" "$(ls "/proc/$xpid/root/dev" 2>&1)"
check_eq "vfio: no allocation record left" "" "$(state_records)"
kill -KILL "$xpid"
rc_ delete -f "$VID" >/dev/null 2>>"$IT_TMP/stderr.log"

# ===================================================== an empty pool
E=$IT_TMP/empty
vf_bundle "$E" empty
bundle_args "$E" /bin/touch /ran
start_ct "it-empty-$$" "$E"
check_eq "empty pool: runc run fails" 1 "$rc"
check_match "empty pool: runc reports the hook's reason" "VF pool empty: fewer than 1 VF\\(s\\) free" \
        "$(cat "$IT_TMP/runc.err")"
check_absent "empty pool: the container's command did not run" "$E/rootfs/ran"
rc_ delete -f "it-empty-$$" >/dev/null 2>&1
check_eq "empty pool: no allocation record" "" "$(state_records)"

# ============================== the daemon SIGKILLed under two containers
all_links=$(printf '%s\n' "${PEER[@]}" "${VETH[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
A=$IT_TMP/a
vf_bundle "$A" itpool
AID=it-life-a-$$
start_ct "$AID" "$A"
check_eq "restart: container A starts with a VF" 0 "$rc"
apid=$(ct_pid "$AID")
K=$IT_TMP/k
vf_bundle "$K" itpool
bundle_jq "$K" '.linux.resources.cpu.cpus = "0"'
KID=it-life-k-$$
start_ct "$KID" "$K"
check_eq "restart: container K starts with a VF" 0 "$rc"
check_eq "restart: A holds 0000:3b:02.2 (node 1), K 0000:3b:02.0 (node 0)" "vf-0000:3b:02.0 vf-0000:3b:02.2" \
        "$(state_records)"
# Two vfio containers too: W lives on, X dies while no daemon runs.
W=$IT_TMP/w X=$IT_TMP/x WID=it-life-w-$$ XID=it-life-x-$$
vf_bundle "$W" vfpool
vf_bundle "$X" vfpool
start_ct "$WID" "$W"
check_eq "restart: vfio container W starts" 0 "$rc"
start_ct "$XID" "$X"
check_eq "restart: vfio container X starts" 0 "$rc"
xinit=$(ct_pid "$XID")
# records_of PREFIX: the state dir's records for PCI addresses PREFIX*.
records_of() {
        state_records | tr ' ' '\n' | grep "^vf-$1" | tr '\n' ' ' | sed 's/ $//'
}
check_eq "restart: W and X hold PF2's two VFs" "vf-${VFIO_VF[0]} vf-${VFIO_VF[1]}" "$(records_of 0000:5e)"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
# While no daemon runs, K dies: its netns goes, and with it the veth (a real
# VF would come back to the host, maybe as devN); and X dies.
rc_ kill "$KID" KILL 2>>"$IT_TMP/stderr.log"
rc_ kill "$XID" KILL 2>>"$IT_TMP/stderr.log"
gone_veth0() { ! on_host "${VETH[0]}"; }
wait_for "restart: with the daemon down, K's veth went with K's netns" 10 gone_veth0
x_gone() { ! kill -0 "$xinit" 2>/dev/null; }
wait_for "restart: with the daemon down, X's init is gone" 10 x_gone
# A daemon killed in the middle of a pass: VF 0000:3b:02.1 recorded for a
# container whose init is gone, its netdev left on the host under the
# temporary name of the pass.
true &
deadpid=$!
wait "$deadpid"
TMPN=sdt$$t1
ip link set "${VETH[1]}" name "$TMPN" 2>>"$IT_TMP/stderr.log"
at_exit "ip link set $TMPN name ${VETH[1]}"
vf_set_netdev 0000:3b:02.1 "$TMPN"
printf '%s\n' addr=0000:3b:02.1 pool=itpool container=it-life-crash-$$ pid=$deadpid pid_start=1 \
        host_ifname="${VETH[1]}" ct_ifname= host_mac= orig_driver= mode= >"$IT_TMP/state/vf-0000:3b:02.1"
write_config 4
daemon_start "${DAEMON_ARGS[@]}"
log=$(cat "$IT_TMP/daemon.log")
check_match "restart: A's VF re-adopted" "container $AID: VF 0000:3b:02.2 re-adopted \\(init pid $apid still runs, as eth1\\)" "$log"
check_match "restart: K's VF missing (its netdev is not on the host)" \
        "VF 0000:3b:02.0 of container $KID \\(init pid [0-9]+ gone\\) is not on the host yet: missing" "$log"
check_match "restart: numvfs 4 not applied to a PF with VFs in use" \
        "pool itpool: PF $PF_IF: not changing sriov_numvfs from 3 to 4: 2 of its VFs are in use" "$log"
check_eq "restart: the fake kernel saw no numvfs write on PF" "" "$(grep "^$PF numvfs" "$KERNEL_LOG")"
vf_set_netdev 0000:3b:02.1 "${VETH[1]}"
check_eq "restart: the half-passed VF is back under its name, its record gone" "${VETH[1]} absent" \
        "$(on_host "${VETH[1]}" && echo "${VETH[1]}") $([[ -e "$IT_TMP/state/vf-0000:3b:02.1" ]] && echo present || echo absent)"
check_match "restart: daemon log: the half-passed VF given back" \
        "VF 0000:3b:02.1 of container it-life-crash-$$ \\(init pid $deadpid gone\\) back on the host as ${VETH[1]}" "$log"
check_eq "restart: A's VF still in its container" "eth1" \
        "$(nsenter -t "$apid" -n ip -o link show eth1 2>&1 | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }')"
# The kernel brings K's netdev back under another name.
DEVN=sdt$$d0
at_exit "ip link del $DEVN"
ip link add "$DEVN" type veth peer name "${PEER[0]}" 2>>"$IT_TMP/stderr.log"
vf_set_netdev 0000:3b:02.0 "$DEVN"
wait_for "restart: K's netdev, back as $DEVN, renamed ${VETH[0]}" 10 on_host "${VETH[0]}"
k_free() { [[ "$(records_of 0000:3b)" == "vf-0000:3b:02.2" ]]; }
wait_for "restart: K's record freed, A's kept" 10 k_free
vf_set_netdev 0000:3b:02.0 "${VETH[0]}"
check_match "restart: daemon log: K's VF given back" \
        "VF 0000:3b:02.0 of container $KID \\(init pid [0-9]+ gone\\) back on the host as ${VETH[0]}" \
        "$(cat "$IT_TMP/daemon.log")"
rc_ delete -f "$KID" >/dev/null 2>&1
log=$(cat "$IT_TMP/daemon.log")
check_match "restart: W's vfio VF re-adopted" "container $WID: VF ${VFIO_VF[0]} re-adopted" "$log"
check_match "restart: X's vfio VF given back to iavf at once" \
        "VF ${VFIO_VF[1]} of container $XID \\(init pid $xinit gone\\) back on iavf" "$log"
check_eq "restart: X's VF on iavf again, its record gone" "iavf vf-${VFIO_VF[0]}" \
        "$(basename "$(readlink "$SYSFS/bus/pci/devices/${VFIO_VF[1]}/driver")") $(records_of 0000:5e)"
check_eq "restart: W's VF still on vfio-pci" "vfio-pci" \
        "$(basename "$(readlink "$SYSFS/bus/pci/devices/${VFIO_VF[0]}/driver")")"
rc_ kill "$WID" KILL 2>>"$IT_TMP/stderr.log"
w_back() { [[ "$(readlink "$SYSFS/bus/pci/devices/${VFIO_VF[0]}/driver")" == */iavf && -z "$(records_of 0000:5e)" ]]; }
wait_for "restart: W (re-adopted) killed: its VF back on iavf, its record gone" 10 w_back
rc_ delete -f "$WID" >/dev/null 2>&1
rc_ delete -f "$XID" >/dev/null 2>&1

# ============================== two containers race for the last VF
B1=$IT_TMP/b
vf_bundle "$B1" itpool
BID=it-life-b-$$
start_ct "$BID" "$B1"
check_eq "race: container B takes a second VF" 0 "$rc"
R1=$IT_TMP/r1 R2=$IT_TMP/r2
vf_bundle "$R1" itpool
vf_bundle "$R2" itpool
(timeout 30 runc --root "$RUNC_ROOT" run -d --bundle "$R1" "it-life-r1-$$" </dev/null >/dev/null 2>"$IT_TMP/r1.err"
 echo $? >"$IT_TMP/r1.rc") &
r1_pid=$!
(timeout 30 runc --root "$RUNC_ROOT" run -d --bundle "$R2" "it-life-r2-$$" </dev/null >/dev/null 2>"$IT_TMP/r2.err"
 echo $? >"$IT_TMP/r2.rc") &
wait "$r1_pid" "$!"
rcs=$(cat "$IT_TMP/r1.rc" "$IT_TMP/r2.rc" | sort | tr '\n' ' ')
check_eq "race: exactly one of two runc run -d succeeds" "0 1 " "$rcs"
check_match "race: the loser's hook says why" "VF pool itpool: fewer than 1 VF\\(s\\) free" \
        "$(cat "$IT_TMP/r1.err" "$IT_TMP/r2.err")"
check_eq "race: 3 records, one per VF" "vf-0000:3b:02.0 vf-0000:3b:02.1 vf-0000:3b:02.2" "$(state_records)"
check_eq "race: every VF in use, by A, B and the winner" "3" "$(vf_rows .state | grep -c in_use)"
check_eq "race: on the host only the peers stay (no VF half-moved or renamed)" \
        "$(printf '%s\n' "${PEER[@]}" | sort | tr '\n' ' ' | sed 's/ $//')" "$(host_links)"
winner=it-life-r1-$$
[[ "$(cat "$IT_TMP/r1.rc")" == 0 ]] || winner=it-life-r2-$$
[[ "$winner" == "it-life-r1-$$" ]] || rc_ delete -f "it-life-r1-$$" >/dev/null 2>&1
[[ "$winner" == "it-life-r2-$$" ]] || rc_ delete -f "it-life-r2-$$" >/dev/null 2>&1

# ============================== a PF that disappears
mv "$SYSFS/devices/pci0000:3b" "$IT_TMP/pci0000:3b.gone"
rm -f "$SYSFS/bus/pci/devices/0000:3b:"*
check_eq "PF gone: vf list shows its 3 VFs missing, still in use" "0000:3b:02.0 missing
0000:3b:02.1 missing
0000:3b:02.2 missing" "$(vf_rows '[.addr, (if .missing then "missing" else .state end)] | join(" ")' | grep 3b:)"
G=$IT_TMP/g
vf_bundle "$G" itpool
bundle_args "$G" /bin/touch /ran
start_ct "it-life-g-$$" "$G"
check_eq "PF gone: a request fails" 1 "$rc"
check_match "PF gone: with the pool's reason" "VF pool itpool: fewer than 1 VF\\(s\\) free" "$(cat "$IT_TMP/runc.err")"
rc_ delete -f "it-life-g-$$" >/dev/null 2>&1
daemon_healthy "PF gone: the daemon runs and answers"
for id in "$AID" "$BID" "$winner"; do
        rc_ kill "$id" KILL 2>>"$IT_TMP/stderr.log"
done
all_back() { [[ "$(host_links)" == "$all_links" ]]; }
wait_for "PF gone: the containers' veths come back under their names (netlink needs no sysfs)" 10 all_back
no_records() { [[ -z "$(state_records)" ]]; }
wait_for "PF gone: every record freed" 10 no_records
check_match "A (re-adopted): its VF given back at its exit" "container $AID: VF 0000:3b:02.2 back on the host as ${VETH[2]}" \
        "$(cat "$IT_TMP/daemon.log")"
for id in "$AID" "$BID" "$winner"; do
        rc_ delete -f "$id" >/dev/null 2>&1
done
mv "$IT_TMP/pci0000:3b.gone" "$SYSFS/devices/pci0000:3b"

check_eq "no container left" 0 "$(ctl_json '.containers | length' containers)"
daemon_healthy "the daemon is healthy at the end"
daemon_stop
