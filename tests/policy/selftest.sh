#!/bin/bash
# The policy test runner cannot pass silently: broken test files (a wrong
# expectation, a malformed file, an unknown syscall, a missing policy, bad YAML)
# must make `seccompctl policy test` exit 1 with the right summary and messages,
# and a good file must pass. Usage: selftest.sh SECCOMPCTL POLICY_DIR TESTS_DIR
set -u

SECCOMPCTL=$1
POLICY_DIR=$2
TESTS=$3
SELF=$TESTS/selftest
failures=0
out=

fail() {
        echo "not ok: $*"
        echo "--- output was:"
        printf '%s\n' "$out"
        echo "---"
        failures=$((failures + 1))
}

# run WANT_STATUS ARGS...: runs seccompctl policy test, keeps stdout+stderr in $out.
run() {
        local want=$1 status
        shift
        out=$("$SECCOMPCTL" --policy-dir "$POLICY_DIR" policy test "$@" 2>&1)
        status=$?
        [ "$status" -eq "$want" ] || fail "policy test $*: exit status $status, expected $want"
}

# has TEXT: the output holds TEXT (fixed string).
has() {
        grep -qF -- "$1" <<<"$out" || fail "expected output to contain: $1"
}

# has_re REGEX: the output holds a line matching REGEX (extended).
has_re() {
        grep -qE -- "$1" <<<"$out" || fail "expected output to match: $1"
}

# last_line TEXT: the summary is the last line of stdout+stderr.
last_line() {
        [ "$(tail -n 1 <<<"$out")" = "$1" ] || fail "expected the last line to be: $1"
}

count() {
        grep -cE -- "$1" <<<"$out"
}

# A good file passes: the checks below are not vacuous.
run 0 "$TESTS/01-default.yaml"
has_re '^[1-9][0-9]* passed, 0 failed$'
run 0 --verbose "$TESTS/01-default.yaml"
has_re '01-default\.yaml:[0-9]+: /dev/null is made by seccompd: ok: emulate mknod \(rule 2 "safe-devices", line [0-9]+\)$'

# A wrong verdict and a right verdict from the wrong rule.
f=$SELF/01-wrong-expectation.yaml
run 1 "$f"
last_line "1 passed, 2 failed"
has "$f:9: block 1:3 is not /dev/null: expected emulate mknod, got errno EPERM (rule 3 \"other-devices\", line "
has "$f:13: fifo from the wrong rule: expected continue (rule \"safe-devices\"), got continue (rule 1 \"not-a-device\", line "
[ "$(count ': expected ')" -eq 2 ] || fail "expected exactly 2 failure lines"

# A malformed file: every error with line:col, and not one of its cases runs.
f=$SELF/02-malformed.yaml
run 1 "$f"
last_line "0 passed, 0 failed"
has "$f:9:5: error: missing key \"expect\" in a case"
has "$f:12:5: error: unknown key \"expcet\" in a case"
has "$f:15:29: error: unknown arg \"mdoe\" for mknodat"
has "$f:19:46: error: bad device \"1:x\" for \"dev\""
has "$f:24:13: error: unknown handler \"mknot\" in expect"
has "1 test file with errors"

f=$SELF/03-unknown-syscall.yaml
run 1 "$f"
last_line "0 passed, 0 failed"
has "$f:5:14: error: unknown syscall \"mknodz\" for this arch"

f=$SELF/04-missing-policy.yaml
run 1 "$f"
last_line "0 passed, 0 failed"
has "$f:2:9: error: no policy \"no-such-policy\""

f=$SELF/05-yaml-syntax.yaml
run 1 "$f"
last_line "0 passed, 0 failed"
has_re "^$f:[0-9]+:[0-9]+: error: YAML: "

# The whole directory: failures and errors add up, good cases still count.
run 1 "$SELF"
last_line "1 passed, 2 failed"
has "4 test files with errors"

# Bad files do not hide behind good ones.
run 1 "$TESTS/01-default.yaml" "$SELF/03-unknown-syscall.yaml"
has_re '^[1-9][0-9]* passed, 0 failed$'
has "1 test file with errors"

# Nothing to run is a failure; no argument is a usage error.
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
run 1 "$empty"
has "no test cases ran"
last_line "0 passed, 0 failed"
run 1 "$empty/missing.yaml"
has "cannot read"
run 2

if [ "$failures" -gt 0 ]; then
        echo "$failures check(s) failed"
        exit 1
fi
echo "all checks passed"
