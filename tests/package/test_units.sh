#!/bin/bash
# The systemd units: `systemd-analyze verify` finds nothing to say about them
# (unknown keys, bad values, missing binaries or man pages), ExecStart is the
# installed seccompd, and the sockets are where seccompd looks by default.
#
# Environment (set by meson): UNITS (the built and source unit files), MAN_BUILD,
# SBINDIR, and lib.sh's.
if ! command -v systemd-analyze >/dev/null; then
        echo "1..0 # SKIP systemd-analyze is not installed (Debian: systemd)"
        exit 77
fi
source "$IT_LIB"
: "${UNITS:?}" "${MAN_BUILD:?}" "${SBINDIR:?}"

service=
for f in $UNITS; do
        cp "$f" "$IT_TMP/" || bail "cannot copy $f"
        [[ "$f" != */seccompd.service ]] || service=$IT_TMP/seccompd.service
done
[[ -n "$service" ]] || bail "seccompd.service is not among $UNITS"

check_eq "ExecStart is the installed seccompd" "ExecStart=$SBINDIR/seccompd" "$(grep '^ExecStart=' "$service")"
# verify checks that ExecStart exists: point it at this build's binary.
sed -i "s|^ExecStart=.*|ExecStart=$SECCOMPD|" "$service"
keeper=$IT_TMP/seccompd-keeper.service
check_eq "the keeper unit runs the installed seccompd as the keeper seccompd looks for" \
        "ExecStart=$SBINDIR/seccompd --keeper /run/seccompd/keeper.sock" "$(grep '^ExecStart=' "$keeper")"
sed -i "s|^ExecStart=[^ ]*|ExecStart=$SECCOMPD|" "$keeper"
# Documentation= is checked against this build's pages (none with -Dman=disabled).
mkdir -p "$IT_TMP/man/man5" "$IT_TMP/man/man8"
check_man=yes
if ! cp "$MAN_BUILD"/*.5 "$IT_TMP/man/man5/" 2>/dev/null || ! cp "$MAN_BUILD"/*.8 "$IT_TMP/man/man8/"; then
        note "no man pages in this build: Documentation= not checked"
        check_man=no
fi
out=$(cd "$IT_TMP" && MANPATH=$IT_TMP/man systemd-analyze verify --man=$check_man ./*.service ./*.socket 2>&1)
check_eq "systemd-analyze verify: no complaints" "" "$out"

defaults=$("$SECCOMPD" --help)
for unit in seccompd.socket:socket seccompd-control.socket:control; do
        file=$IT_TMP/${unit%:*} opt=${unit#*:}
        want=$(sed -nE "s/^ +-., --$opt PATH .*\(default ([^)]*)\)$/\1/p" <<<"$defaults")
        check_eq "${unit%:*} listens where seccompd --$opt defaults to" "ListenStream=$want" \
                "$(grep '^ListenStream=' "$file")"
done
check_eq "seccompd.socket's name is the one seccompd looks for" "FileDescriptorName=intake" \
        "$(grep '^FileDescriptorName=' "$IT_TMP/seccompd.socket")"
check_eq "seccompd-control.socket's name is the one seccompd looks for" "FileDescriptorName=control" \
        "$(grep '^FileDescriptorName=' "$IT_TMP/seccompd-control.socket")"
