#!/bin/bash
# SR-IOV VF settings through the PF, and VFs asked by policy, end to end on
# the fake tree of sriov_lib.sh, whose PF netdev here is a real veth (so
# rtnetlink answers for it: a veth has no VFs, and the kernel refuses VF
# settings on it). A container whose policy has a passthrough.vf section gets
# its VF as eth1 without any VF annotation, and no PF message is sent for a
# request without PF settings (pass and release: 6 round trips each). A
# request with a MAC and VLAN, by annotation or by policy, fails the
# createRuntime hook with the PF, the step and the reason: runc does not
# start the container, and no VF stays taken, moved or renamed. An annotation
# that contradicts the policy is refused. Policy typos are reported at their
# file:line:column.
source "$IT_LIB"
: "${SECCOMPD_SHIM:?}"

require_runtime
source "$(dirname "$IT_LIB")/sriov_lib.sh"
sriov_setup "sdc$$" real-pf

# ------------------------------------------------------------- policies
POLICIES=$IT_TMP/policies
mkdir -p "$POLICIES"
# policy_file NAME PASSTHROUGH-LINES: a policy with no rules besides.
policy_file() {
        printf 'name: %s\ndescription: test\ndefault: errno EPERM\nrules: []\n%s\n' "$1" "$2" >"$POLICIES/$1.yaml"
}
policy_file vfnet "passthrough:
  vf:
    pool: $POOL
    name: eth1"
policy_file vfmac "passthrough:
  vf:
    pool: $POOL
    name: eth1
    mac: \"02:00:5e:10:00:01\"
    vlan: 100"
daemon_start --config "$IT_TMP/seccompd.yaml" --sysfs-root "$SYSFS" --state-dir "$IT_TMP/state" \
        --policy-dir "$POLICIES"
check_eq "vf list: the pool's 3 VFs, free" "$all_free" "$(vf_rows "$row_fields")"
check_eq "host: the 3 veth pairs before any container" "$all_links" "$(host_links)"

# bundle_hooked DIR POLICY [ANNOTATION=VALUE...]: the hook at createRuntime
# and poststop, org.seccompd.policy=POLICY and the annotations given, CPU 1.
bundle_hooked() {
        local dir=$1 policy=$2
        shift 2
        bundle_jq "$dir" --arg shim "$SECCOMPD_SHIM" --arg ctl "$CTL" --arg policy "$policy" '
                {path: $shim, args: ["seccompd-shim", "hook", "--socket", $ctl], timeout: 10} as $hook
                | .hooks = {createRuntime: [$hook], poststop: [$hook]}
                | .annotations = ({"org.seccompd.policy": $policy}
                                  + ($ARGS.positional | map(split("=") | {(.[0]): (.[1:] | join("="))}) | add // {}))
                | .linux.resources.cpu.cpus = "1"' --args -- "$@"
}

# refused NAME POLICY PATTERN [ANNOTATION=VALUE...]: runc run of a bundle
# asking that fails, runc reporting PATTERN, and nothing left behind.
refused() {
        local name=$1 policy=$2 pattern=$3 dir=$IT_TMP/$1 id=it-sriovc-$1-$$ rc
        shift 3
        make_bundle "$dir" host
        bundle_hooked "$dir" "$policy" "$@"
        bundle_args "$dir" /bin/touch /ran
        timeout 30 runc --root "$RUNC_ROOT" run --bundle "$dir" "$id" </dev/null >/dev/null 2>"$IT_TMP/runc.err"
        rc=$?
        cat "$IT_TMP/runc.err" >>"$IT_TMP/stderr.log"
        check_eq "$name: runc run fails" 1 "$rc"
        check_absent "$name: the container's command did not run" "$dir/rootfs/ran"
        check_match "$name: runc reports the hook's reason" "$pattern" "$(cat "$IT_TMP/runc.err")"
        rc_ delete -f "$id" >/dev/null 2>&1
        check_eq "$name: no veth moved or renamed" "$all_links" "$(host_links)"
        check_eq "$name: vf list shows every VF free" "$all_free" "$(vf_rows "$row_fields")"
        check_eq "$name: no allocation record left in the state dir" "" "$(state_records)"
}

# ============ by policy: eth1 without any VF annotation, no PF message sent
B=$IT_TMP/bypolicy
make_bundle "$B" host
bundle_hooked "$B" vfnet
bundle_args "$B" /bin/sleep 1000
ID=it-sriovc-$$
sriov_start "$B" "$ID" "policy vfnet, no VF annotation"
ct_link=$(nsenter -t "$pid" -n ip -o link show eth1 2>&1)
check_eq "in the container: eth1 is the veth of the VF on its node (peer ${PEER[2]})" \
        "eth1@if$(cat "/sys/class/net/${PEER[2]}/ifindex" 2>&1)" "$(awk -F': ' '{ print $2 }' <<<"$ct_link")"
check_match "in the container: eth1 is up (the default)" "[<,]UP[,>]" "$ct_link"
check_eq "vf list: 0000:3b:02.2 in use by $ID as eth1" "in_use $ID eth1" \
        "$(vf_rows 'select(.addr == "0000:3b:02.2") | [.state, .container, .container_ifname] | join(" ")')"
check_match "daemon log: the pass took 6 round trips (no PF message)" \
        "container $ID: VFs passed in 6 rtnetlink round trips" "$(cat "$IT_TMP/daemon.log")"
check_eq "state dir: the record has no saved PF settings" "" \
        "$(grep '^saved_' "$IT_TMP/state/vf-0000:3b:02.2" 2>&1)"
rc_ kill "$ID" KILL 2>>"$IT_TMP/stderr.log"
wait_for "after runc kill KILL: ${VETH[2]} is back on the host under its name" 10 on_host "${VETH[2]}"
wait_for "after runc kill KILL: vf list shows every VF free" 10 vf_free
check_match "daemon log: the release took 6 round trips" "container $ID: VFs given back in 6 rtnetlink round trips" \
        "$(cat "$IT_TMP/daemon.log")"
rc_ delete -f "$ID" >/dev/null 2>>"$IT_TMP/stderr.log"
check_eq "host: the 3 veth pairs, nothing renamed" "$all_links" "$(host_links)"

# ================== PF settings the veth PF cannot take: refused, nothing kept
# The veth's VF table (RTM_GETLINK with RTEXT_FILTER_VF) is read for real: it is
# empty, so the VF's settings could not be restored, and none are set.
no_vf="VF 0000:3b:02.2 \\(index 2\\): PF $PF_IF does not list the VF in its VF table, so its settings cannot be kept to restore: it lists 0 VFs \\(Operation not supported\\)"
refused annotations default "$no_vf" org.seccompd.vf.pool="$POOL" org.seccompd.vf.name=eth1 \
        org.seccompd.vf.mac=02:00:5e:10:00:02 org.seccompd.vf.vlan=100:qos=3
refused policy vfmac "$no_vf"
check_match "daemon log: the failure said once, with nothing kept" \
        "VF passthrough failed, nothing kept: VF 0000:3b:02.2 \\(index 2\\): PF $PF_IF does not list" \
        "$(cat "$IT_TMP/daemon.log")"

# ======================== annotations: not against the policy, well-formed
# (runc quotes the hook's message: a " comes out as \")
refused contradiction vfnet \
        "org.seccompd.vf.name=.*eth2.* contradicts policy .*vfnet.* \\(passthrough.vf.name\\)" org.seccompd.vf.name=eth2
refused bad-vlan default "org.seccompd.vf.vlan=.*5000.*: a VLAN" org.seccompd.vf.pool="$POOL" \
        org.seccompd.vf.vlan=5000
refused orphan default "org.seccompd.vf.mac without org.seccompd.vf.pool" org.seccompd.vf.mac=02:00:5e:10:00:02

# ================================================ policy typos: file:line:col
cat >"$IT_TMP/typo.yaml" <<EOF
name: typo
description: test
default: errno EPERM
rules: []
passthrough:
  vf:
    pool: $POOL
    vlan: 100:qos=9
    trust: yes
    nmae: eth1
EOF
out=$(ctl policy check "$IT_TMP/typo.yaml" 2>&1)
check_match "policy check: the bad VLAN at 8:11" "typo.yaml:8:11: error: \"vlan\": \"100:qos=9\" is not a VLAN" "$out"
check_match "policy check: the bad bool at 9:12" "typo.yaml:9:12: error: \"trust\" must be true or false" "$out"
check_match "policy check: the misspelt key at 10:5" "typo.yaml:10:5: error: unknown key \"nmae\" in \"passthrough.vf\"" \
        "$out"
cp "$IT_TMP/typo.yaml" "$POLICIES/typo.yaml"
out=$(ctl reload 2>&1)
check_match "reload: the daemon refuses the policy with its file:line:col" "typo.yaml:8:11: error" "$out"

check_eq "no container left" 0 "$(ctl_json '.containers | length' containers)"
daemon_healthy "the daemon is healthy after the refused passthroughs"
daemon_stop
