#!/bin/bash
# sysinfo(2) emulated from the container's cgroup: a runc container with a 64 MiB
# memory limit sees 64 MiB of RAM (sc-probe and busybox free), an uptime that
# started with it, and only its own processes; `runc update` is seen at once; a
# NULL buffer fails with EFAULT as in the kernel; a container without a limit
# sees the host's RAM.
source "$IT_LIB"

require_runtime
LIMIT=67108864 # 64 MiB

P=$IT_TMP/policies
mkdir -p "$P"
cat >"$P/sysinfo.yaml" <<'YAML'
name: sysinfo
description: sysinfo from the container's cgroup
default: continue
rules:
  - syscalls: [sysinfo]
    action: emulate sysinfo
YAML
daemon_start --policy-dir "$P"

# sysinfo_bundle DIR [LIMIT]: a busybox bundle whose filter traps sysinfo alone,
# handled by the sysinfo policy, with a memory limit when one is given.
sysinfo_bundle() {
        local dir=$1 limit=${2:-}
        make_bundle "$dir" host
        jq --arg limit "$limit" '
                .linux.seccomp.listenerMetadata = "policy=sysinfo"
                | .linux.seccomp.syscalls = [{names: ["sysinfo"], action: "SCMP_ACT_NOTIFY"}]
                | if $limit != "" then .linux.resources.memory = {limit: ($limit | tonumber)}
                  else del(.linux.resources.memory) end' \
                "$dir/config.json" >"$dir/config.json.new" || bail "jq failed"
        mv "$dir/config.json.new" "$dir/config.json"
}

# in_script DIR ID <<EOF: the script on stdin, run by /bin/sh in the container
# (replaces lib.sh's: these scripts need no `r` helper).
in_script() {
        cat >"$1/rootfs/it-script.sh" || bail "cannot write the script"
        in_container "$1" "$2" /bin/sh /it-script.sh
}

# field TEXT NAME: NAME's value in sc-probe's "totalram=N freeram=N ..." line.
field() {
        sed -n "s/.*\<$2=\([0-9]*\).*/\1/p" <<<"$1"
}

# ================================================ a container limited to 64 MiB
L=$IT_TMP/limited
sysinfo_bundle "$L" "$LIMIT"
before=$(emulated)
# Two sleepers and the probe, started by init itself (no subshell): 4 tasks.
got=$(in_script "$L" it-sysinfo <<'EOF'
sleep 100 &
s1=$!
sleep 100 &
s2=$!
/bin/sc-probe sysinfo >/tmp/probe.out
echo "probe=$(cat /tmp/probe.out)"
kill "$s1" "$s2"
echo "freeline=$(free | grep '^Mem:')"
echo "uptime=$(uptime)"
echo "null=$(/bin/sc-probe sysinfo null)"
EOF
)
note "container: $(pick "$got" probe)"
probe=$(pick "$got" probe)
check_eq "limited container: totalram is the 64 MiB limit" "$LIMIT" "$(field "$probe" totalram)"
free_b=$(field "$probe" freeram)
check_eq "limited container: 0 < freeram <= totalram" yes \
        "$( ((free_b > 0 && free_b <= LIMIT)) && echo yes || echo "no: freeram=$free_b")"
check_eq "limited container: procs counts its init, two sleepers and the probe" 4 "$(field "$probe" procs)"
up=$(field "$probe" uptime)
host_up=$(cut -d. -f1 /proc/uptime)
check_eq "limited container: uptime is the container's (<= 30 s), not the host's ($host_up s)" yes \
        "$( [[ -n "$up" ]] && ((up <= 30 && up < host_up)) && echo yes || echo "no: uptime=$up")"
# busybox free takes its used column as total - free - buffers - Cached, with
# Cached from /proc/meminfo: the host's (no lxcfs here). It can wrap and run into
# the total column, which is the fixed columns 5-19.
note "container: $(pick "$got" freeline)"
check_eq "busybox free: total is 65536 KiB" 65536 "$(pick "$got" freeline | cut -c5-19 | tr -d ' ')"
check_match "busybox uptime: up 0 min" ' up 0 min,' "$(pick "$got" uptime)"
check_eq "sysinfo(NULL): EFAULT, as from the kernel" errno=EFAULT "$(pick "$got" null)"
check_eq "the sysinfo calls of sc-probe, free and uptime were emulated by seccompd" $((before + 3)) "$(emulated)"
check_eq "the NULL buffer went through seccompd too: a failed emulation" 1 "$(ctl_json .totals.emulate_failed stats)"

# ================================================ runc update is seen at once
ID=it-sysinfo-update
bundle_args "$L" /bin/sleep 1000
timeout 30 runc --root "$RUNC_ROOT" run -d --bundle "$L" "$ID" </dev/null >/dev/null 2>>"$IT_TMP/stderr.log" ||
        bail "runc run -d $ID failed"
exec_probe() {
        timeout 30 runc --root "$RUNC_ROOT" exec "$ID" /bin/sc-probe sysinfo </dev/null 2>>"$IT_TMP/stderr.log"
}
check_eq "runc exec: totalram is the 64 MiB limit" "$LIMIT" "$(field "$(exec_probe)" totalram)"
rc_ update --memory 33554432 "$ID" 2>>"$IT_TMP/stderr.log" || note "runc update failed"
check_eq "after runc update --memory 32M: totalram is 32 MiB" 33554432 "$(field "$(exec_probe)" totalram)"
check_eq "runc exec: procs counts init and the probe" 2 "$(field "$(exec_probe)" procs)"
rc_ kill "$ID" KILL >/dev/null 2>>"$IT_TMP/stderr.log"
rc_ delete -f "$ID" >/dev/null 2>>"$IT_TMP/stderr.log"

# ================================================ no limit: the host's RAM
U=$IT_TMP/unlimited
sysinfo_bundle "$U"
host=$("$SC_PROBE" sysinfo)
got=$(in_container "$U" it-sysinfo-nolimit /bin/sc-probe sysinfo)
check_eq "container without a limit: totalram is the host's" "$(field "$host" totalram)" "$(field "$got" totalram)"
check_eq "container without a limit: procs is its own (1), not the host's ($(field "$host" procs))" 1 \
        "$(field "$got" procs)"

check_eq "nothing is pending at the end" 0 "$(ctl_json '.pending | length' pending)"
daemon_healthy "the daemon is healthy after the sysinfo containers"
daemon_stop
