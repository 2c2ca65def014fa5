#!/bin/bash
# bpf(2) device-cgroup programs done by seccompd (issue 5): a userns runc container,
# with CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN in its own namespace only, loads
# BPF_PROG_TYPE_CGROUP_DEVICE programs and attaches them below its own cgroup2 cgroup,
# and the host kernel enforces them; targets outside, the container's own cgroup and
# BPF_F_ALLOW_OVERRIDE are refused; malformed calls get the kernel's errnos; what the
# container attached is detached when it goes away. Removes its cgroups on any exit.
#
# What the kernel (6.18, as host root) answers to `sc-bpf garbage KIND`, the reference
# for the container's answers where the two must agree:
#   size-page         E2BIG   size > PAGE_SIZE
#   tail              EFAULT  a byte at 151 (sizeof+7 of the 6.1 header's 144-byte union):
#                             6.18 reads fd_array_cnt there, so fd_array (NULL) is copied
#   tail-zero         ok
#   tail-far          E2BIG   a byte at PAGE_SIZE-1: past 6.18's 168-byte union too
#   attr-unmapped     EFAULT
#   insns-unmapped    EFAULT
#   license-unmapped  EFAULT
#   zero-insns        E2BIG
#   million           ok      root may load 1000000 insns (BPF_COMPLEXITY_LIMIT_INSNS)
#   bad-type          ok      BPF_PROG_TYPE_KPROBE, for root
#   log-small         ENOSPC  log_size 10: since 6.4 a too small log fails the load with
#                             ENOSPC (was EINVAL for log_size < 128)
#   log-unmapped      EFAULT
#   cmd-tail          ok      a byte at 140, past core_relo_rec_size, the 6.1 header's last
#                             PROG_LOAD field: 6.18 has log_true_size there (output only).
#                             PROG_LOAD's fields fill 6.18's whole union: no EINVAL possible
#   map-fd            EINVAL  fd 0 (/dev/null) is no map
#   short-size        EFAULT  size 8: license and insns pointers are 0
#   attach-tail       EINVAL  PROG_ATTACH with a byte at 64, past its last field
# and to the other ops: a detach of a program attached nowhere ENOENT; an attach with
# flags 0 or BPF_F_ALLOW_OVERRIDE where BPF_F_ALLOW_MULTI programs are, EPERM; an
# unprivileged (userns root) PROG_LOAD or PROG_QUERY, EPERM.
source "$IT_LIB"

: "${SC_BPF:?}"
require_runtime

NAME=seccompd-it-bpf-$$
OUTNAME=seccompd-it-bpf-out-$$

# ---- cgroup2: the hybrid layout's unified hierarchy, or one of our own
CG2=$(findmnt -rn -t cgroup2 -o TARGET | head -n 1)
if [[ -z "$CG2" ]]; then
        CG2=$IT_TMP/cgroup2
        mkdir -p "$CG2" || bail "mkdir $CG2"
        mount -t cgroup2 none "$CG2" || bail "cannot mount cgroup2"
        at_exit "umount '$CG2'"
        note "no cgroup2 mounted: mounted one on $CG2 (runc will not place containers in it)"
fi
CG=$CG2/$NAME
OUT=$CG2/$OUTNAME
note "cgroup2 at $CG2; the container's cgroup $CG, an outside one $OUT"

# cg_rmtree DIR: removes the cgroup DIR and every cgroup below it, deepest first (their
# programs go with them); retries while the processes of a killed container exit.
cg_rmtree() {
        local i
        for ((i = 0; i < 50; i++)); do
                [[ -d "$1" ]] || return 0
                find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null
                sleep 0.1
        done
        [[ ! -d "$1" ]]
}

# Every cgroup of the test, in every hierarchy (runc makes the v1 ones and removes them
# on delete: any left is removed here).
cg_leftovers() {
        find /sys/fs/cgroup "$CG2" -maxdepth 2 -type d \( -name "$NAME" -o -name "$OUTNAME" \) 2>/dev/null | sort -u
}

cg_cleanup() {
        local d
        cg_rmtree "$CG"
        cg_rmtree "$OUT"
        for d in $(cg_leftovers); do
                cg_rmtree "$d"
        done
}
at_exit cg_cleanup
# Containers die before their cgroups are removed (cleanups run in reverse order).
at_exit runc_cleanup

# cg_prepare: (re)creates the container's cgroup, delegated to its root (host 100000) as
# a nested engine needs it, and the outside one; runc removes the first on delete.
cg_prepare() {
        mkdir -p "$CG" "$OUT" || bail "cannot create the cgroups"
        chown 100000:100000 "$CG" "$CG/cgroup.procs" "$CG/cgroup.threads" "$CG/cgroup.subtree_control" ||
                bail "cannot delegate $CG"
}

# ---- policies: the emulation, the kernel alone, the emulation with attach_root
P=$IT_TMP/policies
mkdir -p "$P"
cat >"$P/bpf-test.yaml" <<'YAML'
name: bpf-test
description: device programs for nested engines, done by seccompd
default: continue
rules:
  - name: device-programs
    syscalls: bpf
    match: {cmd: [BPF_PROG_LOAD, BPF_PROG_ATTACH, BPF_PROG_DETACH, BPF_PROG_QUERY]}
    action: {emulate: bpf, max_insns: 4096}
YAML
cat >"$P/bpf-kernel.yaml" <<'YAML'
name: bpf-kernel
description: bpf trapped but left to the kernel
default: continue
rules:
  - name: device-programs
    syscalls: bpf
    action: continue
YAML
cat >"$P/bpf-root.yaml" <<'YAML'
name: bpf-root
description: device programs, on the container's own cgroup too, two at most
default: continue
rules:
  - name: device-programs
    syscalls: bpf
    match: {cmd: [BPF_PROG_LOAD, BPF_PROG_ATTACH, BPF_PROG_DETACH, BPF_PROG_QUERY]}
    action: {emulate: bpf, attach_root: true, max_programs: 2}
YAML
cat >"$P/bpf-nocg.yaml" <<'YAML'
name: bpf-nocg
description: device programs; a caller without a cgroup2 cgroup of its own gets EOPNOTSUPP
default: continue
rules:
  - name: device-programs
    syscalls: bpf
    match: {cmd: [BPF_PROG_LOAD, BPF_PROG_ATTACH, BPF_PROG_DETACH, BPF_PROG_QUERY]}
    action: {emulate: bpf, no_cgroup2: EOPNOTSUPP}
YAML
daemon_start --policy-dir "$P"

# ---- the bundle: userns, bpf trapped, the capabilities an engine has in its namespace,
# the container's cgroup at /cg and the outside one at /cgout
B=$IT_TMP/bundle
make_bundle "$B" userns
mkdir -p "$B/rootfs/cg" "$B/rootfs/cgout"
cp "$SC_BPF" "$B/rootfs/bin/sc-bpf"
chown -R 100000:100000 "$B/rootfs"
# shellcheck disable=SC2016 # jq's $p
{
        bundle_jq "$B" --arg p "/$NAME" '.linux.cgroupsPath = $p' &&
                bundle_bind "$B" "$CG" /cg &&
                bundle_bind "$B" "$OUT" /cgout &&
                bundle_seccomp "$B" bpf &&
                bundle_add_caps "$B" CAP_BPF CAP_NET_ADMIN CAP_SYS_ADMIN
} || bail "jq failed"

# ex_script ID <<EOF: like in_script, in the running container ID (runc exec), whose
# cgroups outlive the script.
ex_script() {
        local out rc
        # shellcheck disable=SC2016,SC2028 # the container's shell expands it
        {
                echo 'r() { t=$1; shift; echo "$t=$("$@" 2>&1 | tr "\n" " " | sed "s/ $//")"; }'
                cat
        } >"$B/rootfs/it-exec.sh" || bail "cannot write the script"
        out=$(timeout -k 5 "${IT_RUNC_TIMEOUT:-60}" runc --root "$RUNC_ROOT" exec "$1" /bin/sh /it-exec.sh \
                </dev/null 2>>"$IT_TMP/stderr.log")
        rc=$?
        outcome "$rc" "$out"
}

# daemon_fds GLOB: how many of the daemon's fds link to something GLOB matches.
daemon_fds() {
        local n=0 l
        for l in /proc/"$DAEMON_PID"/fd/*; do
                # shellcheck disable=SC2053 # a glob on purpose
                [[ "$(readlink "$l")" == $1 ]] && n=$((n + 1))
        done
        echo "$n"
}

# host_query DIR: sc-bpf query run by host root, the kernel's own view.
host_query() {
        "$SC_BPF" query "$1" 2>>"$IT_TMP/stderr.log"
}

# ================================================ 1. the kernel alone refuses
cg_prepare
bundle_policy "$B" bpf-kernel || bail "jq failed"
got=$(in_script "$B" it-bpf-kernel <<'EOF'
r cg sh -c 'grep "^0::" /proc/self/cgroup'
r load sc-bpf load
r attach sc-bpf attach /cg 1 3
r query sc-bpf query /cg
EOF
)
check_eq "runc put the container's init into $CG" "0::/$NAME" "$(pick "$got" cg)"
check_eq "kernel alone: an unprivileged PROG_LOAD gets EPERM" errno=EPERM "$(pick "$got" load)"
check_eq "kernel alone: attach fails at the load" load=errno=EPERM "$(pick "$got" attach)"
check_eq "kernel alone: PROG_QUERY gets EPERM" errno=EPERM "$(pick "$got" query)"

# ================================================ 2. done by seccompd, enforced by the kernel
cg_prepare
bundle_policy "$B" bpf-test || bail "jq failed"
ID=it-bpf
bundle_args "$B" /bin/sleep 1000
timeout 30 runc --root "$RUNC_ROOT" run -d --bundle "$B" "$ID" </dev/null >/dev/null 2>>"$IT_TMP/stderr.log" ||
        bail "runc run -d $ID failed"
before=$(emulated)
got=$(ex_script "$ID" <<'EOF'
r cgmnt sh -c 'grep " /cg " /proc/mounts | cut -d" " -f3,4'
mkdir /cg/sub /cg/sub/deeper /cg/hold /cg/foreign
r load sc-bpf load
r log sc-bpf load --log
r attach sc-bpf attach /cg/sub 1 3
r query sc-bpf query /cg/sub
r qeff sc-bpf query /cg/sub/deeper --effective
r qown sc-bpf query /cg
r qout sc-bpf query /cgout
r denied sh -c 'echo $$ >/cg/sub/cgroup.procs && exec sc-bpf open /dev/null'
r deeper sh -c 'echo $$ >/cg/sub/deeper/cgroup.procs && exec sc-bpf open /dev/null'
r zero sh -c 'echo $$ >/cg/sub/cgroup.procs && exec sc-bpf open /dev/zero'
r allowed sc-bpf open /dev/null
r out sc-bpf attach /cgout 1 3
r root sc-bpf attach /cg 1 3
r override sc-bpf attach /cg/sub 1 3 --flags override
r none sc-bpf attach /cg/sub 1 5 --flags none --detach
r replace sc-bpf attach /cg/sub 1 3 --flags replace --detach
r query2 sc-bpf query /cg/sub
r notmine sc-bpf detach /cg/sub 1 3
sc-bpf hold /cg/hold 1 3 30 --detach >/tmp/hold.out 2>&1 &
h=$!
i=0
while [ $i -lt 100 ] && ! grep -q attached /tmp/hold.out; do sleep 0.1; i=$((i + 1)); done
r held cat /tmp/hold.out
r hdenied sh -c 'echo $$ >/cg/hold/cgroup.procs && exec sc-bpf open /dev/null'
kill -TERM $h
wait $h
r hdetach cat /tmp/hold.out
r hopen sh -c 'echo $$ >/cg/hold/cgroup.procs && exec sc-bpf open /dev/null'
r qhold sc-bpf query /cg/hold
EOF
)
check_match "the cgroup2 bind at /cg is read-write" '^cgroup2 rw' "$(pick "$got" cgmnt)"
check_eq "PROG_LOAD: a device program, its fd close-on-exec as the kernel's" "ok fd=3 cloexec=1" \
        "$(pick "$got" load)"
check_match "PROG_LOAD with a log: the verifier's summary in the caller's buffer" \
        '^ok fd=3 cloexec=1 log=processed [0-9]+ insns .* log_bytes=[1-9][0-9]*$' "$(pick "$got" log)"
check_eq "attach (multi) below the container's cgroup" "load=ok attach=ok" "$(pick "$got" attach)"
check_match "query: the program stays attached after sc-bpf exits" '^ok count=1 flags=0x2 ids=[0-9]+$' \
        "$(pick "$got" query)"
check_match "query --effective below: the program is inherited" '^ok count=1 flags=0x0 ids=[0-9]+$' \
        "$(pick "$got" qeff)"
check_eq "query of the container's own cgroup: allowed, nothing there" "ok count=0 flags=0x0 ids=" \
        "$(pick "$got" qown)"
check_eq "query of a cgroup outside the container: EPERM" errno=EPERM "$(pick "$got" qout)"
check_eq "the kernel enforces it: /dev/null (1:3) refused in /cg/sub" errno=EPERM "$(pick "$got" denied)"
check_eq "the kernel enforces it: /dev/null refused in /cg/sub/deeper" errno=EPERM "$(pick "$got" deeper)"
check_eq "the kernel enforces only it: /dev/zero (1:5) opens in /cg/sub" ok "$(pick "$got" zero)"
check_eq "the program does not reach the container's own cgroup: /dev/null opens there" ok \
        "$(pick "$got" allowed)"
check_eq "attach to a cgroup outside the container: EPERM" "load=ok attach=errno=EPERM" "$(pick "$got" out)"
check_eq "attach to the container's own cgroup (attach_root false): EPERM" "load=ok attach=errno=EPERM" \
        "$(pick "$got" root)"
check_eq "attach with BPF_F_ALLOW_OVERRIDE: EPERM" "load=ok attach=errno=EPERM" "$(pick "$got" override)"
check_eq "attach with flags 0 (done as multi), then detach" "load=ok attach=ok detach=ok" "$(pick "$got" none)"
check_eq "BPF_F_REPLACE of the container's own program, then detach" \
        "load=ok attach=ok load2=ok replace=ok detach=ok" "$(pick "$got" replace)"
check_match "query: the detached ones are gone, the first stays" '^ok count=1 flags=0x2 ids=[0-9]+$' \
        "$(pick "$got" query2)"
check_eq "detach of a program attached nowhere: ENOENT, as from the kernel" \
        "load=ok detach=errno=ENOENT" "$(pick "$got" notmine)"
check_eq "hold: attached to /cg/hold" attached "$(pick "$got" held)"
check_eq "hold: /dev/null refused in /cg/hold while attached" errno=EPERM "$(pick "$got" hdenied)"
check_eq "hold: detached on SIGTERM" "attached detach=ok" "$(pick "$got" hdetach)"
check_eq "after the detach /dev/null opens in /cg/hold again" ok "$(pick "$got" hopen)"
check_eq "after the detach nothing is attached to /cg/hold" "ok count=0 flags=0x0 ids=" "$(pick "$got" qhold)"
emu=$(emulated)
check_eq "the calls were emulated by seccompd" yes \
        "$( ((emu > before)) && echo yes || echo "no: emulated $before -> $emu")"

# The host's own view of the kernel.
check_match "host: the program the container attached is in the kernel on $CG/sub" \
        '^ok count=1 flags=0x2 ids=[0-9]+$' "$(host_query "$CG/sub")"
check_eq "host: nothing attached to the outside cgroup" "ok count=0 flags=0x0 ids=" "$(host_query "$OUT")"
check_eq "host: nothing attached to the container's own cgroup" "ok count=0 flags=0x0 ids=" "$(host_query "$CG")"

# A program the host attached inside the container's cgroup, its fd handed to the
# container (runc exec --preserve-fds): the container may neither detach nor replace it.
# foreign CMD...: host root attaches a program denying 1:7 to $CG/foreign and runs
# `runc exec` of CMD in the container with it at fd 3; prints CMD's line.
foreign() {
        timeout -k 5 30 "$SC_BPF" pass "$CG/foreign" 1 7 \
                runc --root "$RUNC_ROOT" exec --preserve-fds 1 "$ID" "$@" </dev/null 2>>"$IT_TMP/stderr.log" |
                sed -n 2p
}
check_eq "detach of a program the host attached (the container holds its fd): EPERM" detach=errno=EPERM \
        "$(foreign /bin/sc-bpf detach-fd /cg/foreign 3)"
check_eq "BPF_F_REPLACE of a program the host attached: EPERM" "load=ok replace=errno=EPERM" \
        "$(foreign /bin/sc-bpf replace-fd /cg/foreign 3)"
check_match "host: both of the host's programs are still attached to $CG/foreign" \
        '^ok count=2 flags=0x2 ids=[0-9]+,[0-9]+$' "$(host_query "$CG/foreign")"

# ================================================ 3. malformed calls
declare -A ref
for kind in size-page tail tail-zero tail-far attr-unmapped insns-unmapped license-unmapped zero-insns \
        million bad-type log-small log-unmapped cmd-tail map-fd short-size attach-tail; do
        ref[$kind]=$("$SC_BPF" garbage "$kind" </dev/null 2>>"$IT_TMP/stderr.log")
done
note "kernel as host root: $(for k in "${!ref[@]}"; do printf '%s:%s\n' "$k" "${ref[$k]}"; done | sort | tr '\n' ' ')"
got=$(ex_script "$ID" <<'EOF'
for kind in size-page tail tail-zero tail-far attr-unmapped insns-unmapped license-unmapped zero-insns \
        million bad-type log-small log-unmapped cmd-tail map-fd short-size attach-tail; do
        r "$kind" sc-bpf garbage "$kind"
done
r after sc-bpf load
EOF
)
for kind in size-page tail-zero tail-far attr-unmapped insns-unmapped license-unmapped zero-insns log-small \
        log-unmapped short-size attach-tail; do
        check_eq "garbage $kind: as from the kernel" "${ref[$kind]}" "$(pick "$got" "$kind")"
done
# seccompd speaks the ABI of its linux/bpf.h (6.1): past its union nothing may be set
# (E2BIG), and past PROG_LOAD's last field nothing either (EINVAL), as a 6.1 kernel
# answers; 6.18 knows fields there (see the table above).
check_eq "garbage tail: a byte past seccompd's union: E2BIG" errno=E2BIG "$(pick "$got" tail)"
check_eq "garbage cmd-tail: a byte past PROG_LOAD's last field: EINVAL" errno=EINVAL "$(pick "$got" cmd-tail)"
check_eq "garbage million: over the policy's max_insns 4096: E2BIG" errno=E2BIG "$(pick "$got" million)"
check_eq "garbage bad-type: a kprobe program (other_types): EPERM" errno=EPERM "$(pick "$got" bad-type)"
check_eq "garbage map-fd: map references refused: EINVAL" errno=EINVAL "$(pick "$got" map-fd)"
check_match "after the garbage a normal load still works" '^ok fd=3 cloexec=1$' "$(pick "$got" after)"
daemon_healthy "the daemon is healthy after the malformed calls"
check_eq "the daemon holds no program fd beyond the one attachment left (none leaked)" yes \
        "$(n=$(daemon_fds 'anon_inode:bpf-prog'); ((n <= 1)) && echo yes || echo "no: $n bpf-prog fds")"

# ================================================ 4. released with the container
# runc removes the container's cgroups (sub-cgroups too) on delete, and the programs with
# them: look while the killed container still has its cgroups.
check_match "host: still attached after the runc exec sessions ended" '^ok count=1 flags=0x2 ids=[0-9]+$' \
        "$(host_query "$CG/sub")"
rc_ kill "$ID" KILL 2>>"$IT_TMP/stderr.log"
container_stopped() {
        [[ "$(rc_ state "$ID" 2>/dev/null | jq -r .status)" == stopped ]]
}
wait_for "the container stopped after SIGKILL" 10 container_stopped
sub_released() {
        [[ "$(host_query "$CG/sub")" == "ok count=0 "* ]]
}
wait_for "host: seccompd detached the container's program from $CG/sub when it went away" 10 sub_released
check_eq "host: $CG/sub itself is still there (not removed by runc yet)" yes "$([[ -d $CG/sub ]] && echo yes)"
check_match "host: the programs seccompd did not attach are left alone" '^ok count=2 ' \
        "$(host_query "$CG/foreign")"
check_eq "the daemon closed its program fds with the container" 0 "$(daemon_fds 'anon_inode:bpf-prog')"
check_eq "the daemon closed its fds on the container's cgroups" 0 "$(daemon_fds "$CG*")"
rc_ delete -f "$ID" >/dev/null 2>>"$IT_TMP/stderr.log"

# ================================================ 5. attach_root, and no capabilities
cg_prepare
bundle_policy "$B" bpf-root || bail "jq failed"
got=$(in_script "$B" it-bpf-root <<'EOF'
mkdir /cg/a /cg/b /cg/c
r root sc-bpf attach /cg 1 3 --detach
r out sc-bpf attach /cgout 1 3
r a sc-bpf attach /cg/a 1 3
r b sc-bpf attach /cg/b 1 3
r c sc-bpf attach /cg/c 1 3
r qc sc-bpf query /cg/c
EOF
)
check_eq "attach_root: attach to the container's own cgroup" "load=ok attach=ok detach=ok" "$(pick "$got" root)"
check_eq "attach_root: still not outside" "load=ok attach=errno=EPERM" "$(pick "$got" out)"
check_eq "max_programs 2: a first attachment (the detached one no longer counts)" "load=ok attach=ok" \
        "$(pick "$got" a)"
check_eq "max_programs 2: a second attachment" "load=ok attach=ok" "$(pick "$got" b)"
check_eq "max_programs 2: a third is refused with E2BIG" "load=ok attach=errno=E2BIG" "$(pick "$got" c)"
check_eq "max_programs 2: nothing attached by the refused call" "ok count=0 flags=0x0 ids=" "$(pick "$got" qc)"

cg_prepare
bundle_policy "$B" bpf-test || bail "jq failed"
bundle_drop_caps "$B" CAP_BPF CAP_NET_ADMIN CAP_SYS_ADMIN || bail "jq failed"
got=$(in_script "$B" it-bpf-nocaps <<'EOF'
mkdir /cg/sub
r load sc-bpf load
r query sc-bpf query /cg/sub
EOF
)
check_eq "no CAP_BPF/CAP_SYS_ADMIN in its namespace: PROG_LOAD gets EPERM" errno=EPERM "$(pick "$got" load)"
check_eq "no CAP_NET_ADMIN in its namespace: PROG_QUERY gets EPERM" errno=EPERM "$(pick "$got" query)"

# ================================================ 6. no cgroup2 cgroup of its own
# A process in the root cgroup2 cgroup (as on a host whose containers are placed in
# cgroup v1 only): loads still work, attaches fail with the policy's errno, and the
# log says why.
mkdir -p "$OUT" || bail "mkdir $OUT"
got=$(echo "$BASHPID" >"$CG2/cgroup.procs" &&
        trapped --syscalls bpf --metadata policy=bpf-nocg -- "$SC_BPF" attach "$OUT" 1 3)
check_eq "no cgroup2 cgroup of its own: the load works, the attach gets no_cgroup2's errno" \
        "load=ok attach=errno=EOPNOTSUPP" "$got"
check_match "the log says why" "no cgroup2 cgroup of its own" "$(cat "$IT_TMP/daemon.log")"

check_eq "nothing is pending at the end" 0 "$(ctl_json '.pending | length' pending)"
daemon_healthy "the daemon is healthy at the end"
daemon_stop
cg_cleanup
check_eq "no cgroup of the test is left in any hierarchy" "" "$(cg_leftovers)"
