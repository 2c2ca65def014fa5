#!/bin/bash
# `meson install` into a DESTDIR: the binaries, the man pages, the example
# policies under DATADIR (the policy directory installed empty: it is the
# operator's), the systemd units pointing at the installed binary.
#
# Environment (set by meson): BUILD_ROOT, MESON, the install paths SBINDIR,
# MANDIR, DATADIR, POLICY_DIR, UNIT_DIR ("" when the units are not installed),
# MAN_PAGES (the pages built, "" with -Dman=disabled), and lib.sh's.
source "$IT_LIB"
: "${BUILD_ROOT:?}" "${MESON:?}" "${SBINDIR:?}" "${MANDIR:?}" "${DATADIR:?}" "${POLICY_DIR:?}"

STAGE=$IT_TMP/stage
if ! "$MESON" install -C "$BUILD_ROOT" --no-rebuild --destdir "$STAGE" >"$IT_TMP/install.log" 2>&1; then
        tail -n 20 "$IT_TMP/install.log" | sed 's/^/# /'
        bail "meson install failed"
fi

# check_file DESC PATH [MODE]
check_file() {
        if [[ -f "$STAGE$2" ]]; then
                ok "$1"
                [[ -z "${3:-}" ]] || check_eq "$1: mode" "$3" "$(stat -c %a "$STAGE$2")"
        else
                not_ok "$1" "expected: a file at \$DESTDIR$2" "got:      $(ls -ld "$STAGE$2" 2>&1)"
        fi
}

check_file "seccompd in sbindir" "$SBINDIR/seccompd" 755
check_file "seccompctl in sbindir" "$SBINDIR/seccompctl" 755
check_file "seccompd-shim in sbindir" "$SBINDIR/seccompd-shim" 755
check_match "the installed seccompd runs" '^seccompd [0-9]' "$("$STAGE$SBINDIR/seccompd" --version 2>&1)"
man=()
for page in ${MAN_PAGES:-}; do
        man+=("$MANDIR/man${page##*.}/$page")
        check_file "man page $page" "${man[-1]}" 644
done
for policy in default deny-all device-broker nested-containers vf-netdev; do
        check_file "example policy $policy" "$DATADIR/seccompd/examples/policies/$policy.yaml" 644
done
if [[ -d "$STAGE$POLICY_DIR" ]]; then
        check_eq "the policy directory is installed empty" "" "$(ls -A "$STAGE$POLICY_DIR")"
else
        not_ok "the policy directory is installed" "expected: a directory at \$DESTDIR$POLICY_DIR" "got:      none"
fi
check_file "example daemon config" "$DATADIR/seccompd/examples/seccompd.yaml" 644
for f in seccompd.seccomp seccompd.conf container.conf; do
        check_file "LXC example $f" "$DATADIR/seccompd/examples/lxc/$f" 644
done
units=()
if [[ -n "${UNIT_DIR:-}" ]]; then
        for unit in seccompd.service seccompd-keeper.service seccompd.socket seccompd-control.socket; do
                units+=("$UNIT_DIR/$unit")
                check_file "unit $unit" "${units[-1]}" 644
        done
        exec_start=$(sed -n 's/^ExecStart=//p' "$STAGE$UNIT_DIR/seccompd.service")
        check_eq "the installed unit starts the installed seccompd" "$SBINDIR/seccompd" "$exec_start"
else
        note "systemd units not installed in this build (no systemd.pc, or -Dsystemdsystemunitdir=no)"
fi
# Nothing else: a new file here is a decision, made by changing this list.
expected=$(printf '%s\n' "$SBINDIR/seccompd" "$SBINDIR/seccompctl" "$SBINDIR/seccompd-shim" "${man[@]}" "${units[@]}" \
        "$DATADIR"/seccompd/examples/policies/{default,deny-all,device-broker,nested-containers,vf-netdev}.yaml \
        "$DATADIR"/seccompd/examples/lxc/{seccompd.seccomp,seccompd.conf,container.conf} \
        "$DATADIR/seccompd/examples/seccompd.yaml" | sort)
check_eq "the installed files are exactly those" "$expected" "$(cd "$STAGE" && find . -type f | sed 's|^\.||' | sort)"
