#!/bin/bash
# The man pages: each was built and renders without groff warnings; every long
# option and command in seccompd's, seccompctl's and seccompd-shim's --help is in its page, and
# every long option a page names is one the program has, so neither can drift
# from the other silently.
#
# Environment (set by meson): MAN_BUILD (the rendered pages), MAN_SRC
# (docs/man), and lib.sh's.
source "$IT_LIB"
: "${MAN_BUILD:?}" "${MAN_SRC:?}"

for page in seccompd.8 seccompctl.8 seccompd-shim.8 seccompd.policy.5; do
        if [[ ! -s "$MAN_BUILD/$page" ]]; then
                not_ok "$page was built" "expected: $MAN_BUILD/$page" "got:      no such file"
                continue
        fi
        warnings=$(LC_ALL=C MANWIDTH=80 man --warnings -l "$MAN_BUILD/$page" 2>&1 >/dev/null)
        check_eq "$page renders without warnings" "" "$warnings"
        name=$(LC_ALL=C MANWIDTH=80 man -l "$MAN_BUILD/$page" 2>/dev/null | sed -n '/^NAME/{n;p;q}')
        check_match "$page has a NAME line" "^ +${page%.*} - " "$name"
done

# long_options CMD...: the --OPTIONS CMD's --help lists.
long_options() {
        "$@" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# page_options PAGE: the --OPTIONS the page's source names in bold.
page_options() {
        grep -oE -- '\*--[a-z][a-z0-9-]*\*' "$MAN_SRC/$1.scd" | tr -d '*' | sort -u
}

# check_options PAGE HELP-OPTIONS: both ways.
check_options() {
        local page=$1 help=$2 opt
        [[ -n "$help" ]] || bail "no options found in the --help of $page's program"
        for opt in $help; do
                if grep -qF -- "*$opt*" "$MAN_SRC/$page.scd"; then
                        ok "$page documents $opt"
                else
                        not_ok "$page documents $opt" "expected: *$opt* in $MAN_SRC/$page.scd" "got:      absent"
                fi
        done
        for opt in $(page_options "$page"); do
                check_match "$page: $opt is an option the program has" "(^| )$opt( |$)" "$(echo $help)"
        done
}

check_options seccompd.8 "$(long_options "$SECCOMPD")"

# seccompd-shim: its own --help and each command's.
check_options seccompd-shim.8 "$({
        long_options "$SECCOMPD_SHIM"
        long_options "$SECCOMPD_SHIM" exec
        long_options "$SECCOMPD_SHIM" hook
} | sort -u | tr '\n' ' ')"

# seccompctl: the commands of its --help, and the options of each command's own --help.
commands=$("$SECCOMPCTL" --help | sed -nE 's/^  ([a-z][a-z-]*( [a-z][a-z-]*)?)( .*)?$/\1/p')
[[ -n "$commands" ]] || bail "no commands found in seccompctl --help"
ctl_options=$(long_options "$SECCOMPCTL")
while read -r cmd; do
        if grep -qF -- "*$cmd*" "$MAN_SRC/seccompctl.8.scd"; then
                ok "seccompctl.8 documents the command $cmd"
        else
                not_ok "seccompctl.8 documents the command $cmd" "expected: *$cmd* in seccompctl.8.scd" "got:      absent"
        fi
        # Commands that ask the daemon take no options (and refuse --help).
        # shellcheck disable=SC2086
        if help=$("$SECCOMPCTL" $cmd --help 2>/dev/null); then
                ctl_options+=" $(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help")"
        fi
done <<<"$commands"
check_options seccompctl.8 "$(tr ' ' '\n' <<<"$ctl_options" | sort -u | tr '\n' ' ')"
