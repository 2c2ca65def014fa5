# Shared by tests/integration/test_*.sh (sourced): TAP output, checks that print
# expected vs got, a per-test temp dir, a seccompd on private sockets, busybox
# bundles for runc, and cleanup on every exit (containers, mounts, daemon, files).
#
# Environment (set by meson): SECCOMPD, SECCOMPCTL, SECCOMPD_SHIM, SC_TRAP, SC_PROBE.

set -uo pipefail # no -e: a failed check is reported and the test goes on

: "${SECCOMPD:?}" "${SECCOMPCTL:?}" "${SC_TRAP:?}" "${SC_PROBE:?}"

IT_N=0
IT_FAILED=0
IT_CLEANUPS=()
DAEMON_PID=
IT_TMP=$(mktemp -d /tmp/seccompd-it.XXXXXX) || { echo "Bail out! mktemp failed"; exit 1; }
# 0755: trapped callers with a non-root fsuid must be able to search it.
chmod 0755 "$IT_TMP"
SOCK=$IT_TMP/seccompd.sock
LXC_SOCK=$IT_TMP/lxc.sock
CTL=$IT_TMP/control.sock
RUNC_ROOT=$IT_TMP/runc-state

ok() {
        IT_N=$((IT_N + 1))
        echo "ok $IT_N - $1"
}

not_ok() {
        IT_N=$((IT_N + 1))
        IT_FAILED=$((IT_FAILED + 1))
        echo "not ok $IT_N - $1"
        shift
        local line
        for line in "$@"; do
                echo "#   $line"
        done
}

note() {
        echo "# $*"
}

# check_eq DESC EXPECTED GOT
check_eq() {
        if [[ "$3" == "$2" ]]; then
                ok "$1"
        else
                not_ok "$1" "expected: '$2'" "got:      '$3'"
        fi
}

# check_match DESC ERE GOT
check_match() {
        if [[ "$3" =~ $2 ]]; then
                ok "$1"
        else
                not_ok "$1" "expected to match: /$2/" "got: '$3'"
        fi
}

# check_absent DESC PATH
check_absent() {
        if [[ -e "$2" || -L "$2" ]]; then
                not_ok "$1" "expected: no file at $2" "got:      $(stat -c '%F %t:%T %a %u:%g' "$2")"
        else
                ok "$1"
        fi
}

# Type, device (hex major:minor as stat prints it), octal mode, owner.
describe() {
        stat -c '%F %t:%T %a %u:%g' "$1" 2>&1
}

# check_node DESC PATH "TYPE MAJ:MIN MODE UID:GID"
check_node() {
        check_eq "$1" "$3" "$(describe "$2")"
}

# Stops the test at once (the EXIT trap still cleans up).
bail() {
        echo "Bail out! $*"
        IT_FAILED=$((IT_FAILED + 1))
        exit 1
}

# Registers a cleanup command line, run in reverse order on exit.
at_exit() {
        IT_CLEANUPS+=("$1")
}

it_finish() {
        local rc=$? i
        set +e
        for ((i = ${#IT_CLEANUPS[@]} - 1; i >= 0; i--)); do
                eval "${IT_CLEANUPS[i]}" >/dev/null 2>&1
        done
        if [[ -n "$DAEMON_PID" ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
                kill -KILL "$DAEMON_PID" 2>/dev/null
                wait "$DAEMON_PID" 2>/dev/null
        fi
        # The fd keeper a daemon started beside its control socket (docs/survival.md):
        # in its own session, so nothing above reached it.
        local keeper
        keeper=$(pgrep -f -- "--keeper $IT_TMP/keeper.sock " 2>/dev/null)
        [[ -z "$keeper" ]] || kill -KILL $keeper 2>/dev/null
        if ((IT_FAILED > 0 || rc != 0)) && [[ -s "$IT_TMP/daemon.log" ]]; then
                echo "# --- last lines of the daemon log ---"
                tail -n 40 "$IT_TMP/daemon.log" | sed 's/^/#   /'
        fi
        if ((IT_FAILED > 0 || rc != 0)) && [[ -s "$IT_TMP/stderr.log" ]]; then
                echo "# --- last lines of the tools' stderr ---"
                tail -n 20 "$IT_TMP/stderr.log" | sed 's/^/#   /'
        fi
        # Never cross into a mount that cleanup failed to remove.
        if findmnt -rn -o TARGET | grep -q "^$IT_TMP"; then
                echo "# leftover mounts under $IT_TMP, not removing it"
                IT_FAILED=$((IT_FAILED + 1))
        else
                rm -rf --one-file-system "$IT_TMP"
        fi
        echo "1..$IT_N"
        ((IT_FAILED == 0 && rc == 0)) || exit 1
        exit 0
}
trap it_finish EXIT

# ---------------------------------------------------------------- the daemon

ctl() {
        "$SECCOMPCTL" --control "$CTL" "$@"
}

# ctl_json QUERY CMD: one jq query over `seccompctl --json CMD`.
ctl_json() {
        ctl --json "$2" 2>>"$IT_TMP/stderr.log" | jq -r "$1" 2>>"$IT_TMP/stderr.log"
}

# daemon_start [SECCOMPD ARGS...]: on private sockets; waits until it answers.
daemon_start() {
        local i
        "$SECCOMPD" --socket "$SOCK" --lxc-socket "$LXC_SOCK" --control "$CTL" --log-level debug "$@" \
                >>"$IT_TMP/daemon.log" 2>&1 &
        DAEMON_PID=$!
        for ((i = 0; i < 100; i++)); do
                if [[ -S "$SOCK" ]] && ctl --json stats >/dev/null 2>&1; then
                        return 0
                fi
                kill -0 "$DAEMON_PID" 2>/dev/null || bail "seccompd exited at start-up"
                sleep 0.1
        done
        bail "seccompd did not answer on $CTL within 10 s"
}

# daemon_stop: SIGTERM, and checks the clean exit.
daemon_stop() {
        local i rc
        [[ -n "$DAEMON_PID" ]] || return 0
        kill -TERM "$DAEMON_PID" 2>/dev/null
        for ((i = 0; i < 100; i++)); do
                kill -0 "$DAEMON_PID" 2>/dev/null || break
                sleep 0.1
        done
        if kill -0 "$DAEMON_PID" 2>/dev/null; then
                not_ok "seccompd exits within 10 s of SIGTERM" "expected: exited" "got:      still running"
                kill -KILL "$DAEMON_PID"
        fi
        wait "$DAEMON_PID"
        rc=$?
        check_eq "seccompd exits with status 0 on SIGTERM" 0 "$rc"
        DAEMON_PID=
        check_absent "seccompd removed its socket on exit" "$SOCK"
}

# daemon_healthy DESC: still running and answering stats.
daemon_healthy() {
        if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
                not_ok "$1" "expected: seccompd running" "got:      seccompd exited"
                bail "seccompd died"
        fi
        local up
        up=$(ctl_json '.uptime_us' stats)
        check_match "$1" '^[0-9]+$' "$up"
}

# wait_for DESC SECONDS CMD...: polls CMD until it succeeds.
wait_for() {
        local desc=$1 secs=$2 i
        shift 2
        for ((i = 0; i < secs * 10; i++)); do
                if "$@"; then
                        ok "$desc"
                        return 0
                fi
                sleep 0.1
        done
        not_ok "$desc" "expected: true within ${secs} s" "got:      still false"
        return 1
}

# ------------------------------------------------ plain processes (no runtime)

# trapped [SC-TRAP OPTIONS...] -- COMMAND...: prints COMMAND's stdout, or
# "timeout" / "exit=N" when it printed nothing; stderr goes to the log.
# sc-trap's own stderr of the last call is in $IT_TMP/last.err.
# outcome RC OUT: what a timed command printed, or "timeout" (timeout(1) killed it)
# or "exit=RC" when it printed nothing.
outcome() {
        if (($1 == 124 || $1 == 137)); then
                echo "timeout"
        elif [[ -z "$2" ]]; then
                echo "exit=$1"
        else
                echo "$2"
        fi
}

trapped() {
        local out rc
        out=$(timeout -k 2 "${IT_CALL_TIMEOUT:-20}" "$SC_TRAP" --socket "$SOCK" "$@" 2>"$IT_TMP/last.err")
        rc=$?
        cat "$IT_TMP/last.err" >>"$IT_TMP/stderr.log"
        outcome "$rc" "$out"
}

# The daemon's reply line to the last `trapped --ack`.
last_ack() {
        sed -n 's/^sc-trap: ack: //p' "$IT_TMP/last.err" | tail -n 1
}

# probe [PROBE ARGS...]: sc-probe under sc-trap with the default options.
probe() {
        trapped -- "$SC_PROBE" "$@"
}

# ----------------------------------------------------------- runc containers

rc_() {
        runc --root "$RUNC_ROOT" "$@"
}

# runtime_cleanup RUNTIME ROOT: kills and deletes every container RUNTIME (runc,
# crun: the same command line) has under its state dir ROOT.
runtime_cleanup() {
        local runtime=$1 root=$2 id
        [[ -d "$root" ]] || return 0
        for id in $("$runtime" --root "$root" list -q 2>/dev/null); do
                "$runtime" --root "$root" kill "$id" KILL >/dev/null 2>&1
                "$runtime" --root "$root" delete -f "$id" >/dev/null 2>&1
        done
}

runc_cleanup() {
        runtime_cleanup runc "$RUNC_ROOT"
}

require_runtime() {
        local tool
        for tool in runc jq busybox findmnt; do
                command -v "$tool" >/dev/null || bail "$tool is not installed (scripts/test.sh installs it)"
        done
        # A dynamically linked busybox cannot run in a rootfs without libc.
        ! ldd "$(command -v busybox)" >/dev/null 2>&1 ||
                bail "busybox is dynamically linked: install busybox-static"
        at_exit runc_cleanup
}

# make_bundle DIR userns|host: a busybox rootfs with sc-probe, and a config.json
# from `runc spec` with the seccomp notify section, CAP_MKNOD, the rootfs
# writable; with "userns", container ids 0..65535 map to host 100000...
make_bundle() {
        local dir=$1 mode=$2 applet
        mkdir -p "$dir/rootfs"/{bin,tmp,dev,proc,sys,etc} || bail "mkdir $dir"
        cp "$(command -v busybox)" "$dir/rootfs/bin/busybox"
        for applet in $(busybox --list); do
                [[ -e "$dir/rootfs/bin/$applet" ]] || ln -s busybox "$dir/rootfs/bin/$applet"
        done
        cp "$SC_PROBE" "$dir/rootfs/bin/sc-probe"
        chmod 1777 "$dir/rootfs/tmp"
        (cd "$dir" && rm -f config.json && runc spec) || bail "runc spec failed"
        jq --arg sock "$SOCK" --arg mode "$mode" '
                .process.terminal = false
                | .process.args = ["/bin/true"]
                | .root.readonly = false
                | .process.capabilities |= with_entries(
                        if .key == "bounding" or .key == "effective" or .key == "permitted"
                        then .value = (.value + ["CAP_MKNOD"] | unique) else . end)
                | .linux.seccomp = {
                        defaultAction: "SCMP_ACT_ALLOW",
                        listenerPath: $sock,
                        listenerMetadata: "policy=default",
                        syscalls: [{names: ["mknod", "mknodat"], action: "SCMP_ACT_NOTIFY"}]}
                | if $mode == "userns" then
                        .linux.namespaces += [{type: "user"}]
                        | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                        | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                  else . end' "$dir/config.json" >"$dir/config.json.new" || bail "jq failed"
        mv "$dir/config.json.new" "$dir/config.json"
        # The container's root (host uid 100000) owns its files, as with any
        # userns container image.
        [[ "$mode" != userns ]] || chown -R 100000:100000 "$dir/rootfs"
}

# bundle_jq DIR JQ-ARGS...: edits DIR/config.json in place with jq (it reads the
# file on stdin, so JQ-ARGS may end with --args -- ARG...).
bundle_jq() {
        local dir=$1
        shift
        jq "$@" <"$dir/config.json" >"$dir/config.json.new" &&
                mv "$dir/config.json.new" "$dir/config.json"
}

# bundle_args DIR ARG...: sets the container's command.
bundle_args() {
        local dir=$1
        shift
        bundle_jq "$dir" '.process.args = $ARGS.positional' --args -- "$@"
}

# bundle_policy DIR NAME: the policy the daemon applies (listenerMetadata).
bundle_policy() {
        bundle_jq "$1" --arg p "policy=$2" '.linux.seccomp.listenerMetadata = $p'
}

# bundle_seccomp DIR SYSCALL...: exactly these syscalls go to the listener
# (one SCMP_ACT_NOTIFY entry replaces the others).
bundle_seccomp() {
        local dir=$1
        shift
        bundle_jq "$dir" '.linux.seccomp.syscalls = [{names: $ARGS.positional, action: "SCMP_ACT_NOTIFY"}]' \
                --args -- "$@"
}

# bundle_seccomp_add DIR SYSCALL...: these syscalls go to the listener too.
bundle_seccomp_add() {
        local dir=$1
        shift
        bundle_jq "$dir" '.linux.seccomp.syscalls += [{names: $ARGS.positional, action: "SCMP_ACT_NOTIFY"}]' \
                --args -- "$@"
}

# bundle_add_caps DIR CAP...: adds the capabilities to the bounding, effective
# and permitted sets.
bundle_add_caps() {
        local dir=$1
        shift
        bundle_jq "$dir" '.process.capabilities |= with_entries(
                if .key == "bounding" or .key == "effective" or .key == "permitted"
                then .value = (.value + $ARGS.positional | unique) else . end)' --args -- "$@"
}

# bundle_drop_caps DIR CAP...: removes the capabilities from every set.
bundle_drop_caps() {
        local dir=$1
        shift
        bundle_jq "$dir" '.process.capabilities |= with_entries(.value -= $ARGS.positional)' --args -- "$@"
}

# bundle_allow_device DIR b|c MAJOR MINOR: the device cgroup allows the device.
bundle_allow_device() {
        bundle_jq "$1" --arg t "$2" --argjson maj "$3" --argjson min "$4" \
                '.linux.resources.devices += [{allow: true, type: $t, major: $maj, minor: $min, access: "rwm"}]'
}

# bundle_add_device DIR PATH b|c MAJOR MINOR: runc makes the node at PATH
# (mode 0660, owned by the container's root), and the device cgroup allows it.
bundle_add_device() {
        bundle_jq "$1" --arg path "$2" --arg t "$3" --argjson maj "$4" --argjson min "$5" \
                '.linux.devices += [{path: $path, type: $t, major: $maj, minor: $min, fileMode: 432, uid: 0, gid: 0}]' &&
                bundle_allow_device "$1" "$3" "$4" "$5"
}

# bundle_bind DIR SOURCE DESTINATION: a bind mount into the container.
bundle_bind() {
        bundle_jq "$1" --arg src "$2" --arg dst "$3" \
                '.mounts += [{destination: $dst, type: "bind", source: $src, options: ["bind"]}]'
}

# in_container DIR ID ARG...: `runc run` (foreground, as a user would) with a
# time limit; prints the container's stdout, or "timeout"/"exit=N" when empty.
in_container() {
        local dir=$1 id=$2 out rc
        shift 2
        bundle_args "$dir" "$@"
        out=$(timeout -k 5 "${IT_RUNC_TIMEOUT:-30}" runc --root "$RUNC_ROOT" run --bundle "$dir" "$id" \
                </dev/null 2>>"$IT_TMP/stderr.log")
        rc=$?
        rc_ delete -f "$id" >/dev/null 2>&1
        outcome "$rc" "$out"
}

# in_script DIR ID <<EOF: the script on stdin, run in the container by /bin/sh
# (commands with options go through a file: bundle_args hands them to jq). In
# the script, `r TAG CMD...` prints "TAG=" and CMD's output on one line.
in_script() {
        {
                echo 'r() { t=$1; shift; echo "$t=$("$@" 2>&1 | tr "\n" " " | sed "s/ $//")"; }'
                cat
        } >"$1/rootfs/it-script.sh" || bail "cannot write the script"
        in_container "$1" "$2" /bin/sh /it-script.sh
}

# pick TEXT TAG: what `r TAG ...` printed in the script's output TEXT.
pick() {
        sed -n "s|^$2=||p" <<<"$1"
}

# emulated: the daemon's count of emulated calls so far.
emulated() {
        ctl_json '.totals.emulated' stats
}

# host_mounts_under DIR: how many host mounts are at or below DIR.
host_mounts_under() {
        findmnt -rn -o TARGET | grep -c "^$1" || true
}

# loop_ext4 UID:GID: a 16 MiB ext4 image in $IT_TMP whose root directory UID:GID
# owns, on a loop device. Sets IMG, LOOP, MAJ and MIN; the device is detached,
# and any host mount of it undone, on any exit.
loop_ext4() {
        IMG=$IT_TMP/ext4.img
        truncate -s 16M "$IMG" || bail "truncate"
        mkfs.ext4 -q -E root_owner="$1" "$IMG" 2>>"$IT_TMP/stderr.log" || bail "mkfs.ext4 failed"
        LOOP=$(losetup --find --show "$IMG" 2>>"$IT_TMP/stderr.log") || bail "losetup failed"
        at_exit "losetup -d '$LOOP'"
        # Whatever happens, no mount of the device may survive on the host.
        at_exit "findmnt -rn -S '$LOOP' -o TARGET | xargs -r -n1 umount -l"
        MAJ=$((0x$(stat -c %t "$LOOP")))
        MIN=$((0x$(stat -c %T "$LOOP")))
        note "ext4 image on $LOOP ($MAJ:$MIN)"
}
