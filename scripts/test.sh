#!/bin/bash
# Every test, as CI runs it, on a fresh Debian 12 machine as root: installs what
# is missing, then
#   1. a normal build (build/) and `meson test` over every suite: unit,
#      integration (real processes under notify filters, real runc containers),
#      hostile (tests/hostile: attacks from inside containers) and fuzz-corpus
#      replay;
#   2. the same suites built with ASan+UBSan (build-asan/);
#   3. each libFuzzer harness for FUZZ_SECONDS (default 20) with clang
#      (build-fuzz/), starting from its corpus;
#   4. a release build (build-release/, -O3 as scripts/bench.sh builds): -O3
#      finds warnings (-Werror) the other builds do not, and the benchmarks
#      must build.
# Exits non-zero if any step fails; goes on to the next step to report them all.
set -uo pipefail

cd "$(dirname "$0")/.."
source scripts/deps.sh
require_root
ensure_packages "${SECCOMPD_BUILD_PKGS[@]}" "${SECCOMPD_RUNTIME_PKGS[@]}" "${SECCOMPD_FUZZ_PKGS[@]}" ||
        exit 1

FAILED=()
step() {
        local name=$1
        shift
        echo "==> $name"
        if ! "$@"; then
                echo "==> FAILED: $name"
                FAILED+=("$name")
        fi
}

suite() {
        local dir=$1
        shift
        meson_build "$dir" "$@" && meson test -C "$dir" --print-errorlogs --num-processes 2
}

fuzz_all() {
        local dir=build-fuzz f name corpus work rc=0 seeds
        # fuzzer-no-link: coverage for the libraries under test, not just the harness.
        CC=clang meson_build "$dir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
                -Dc_args=-fsanitize=fuzzer-no-link || return 1
        work=$(mktemp -d /tmp/seccompd-fuzz.XXXXXX)
        for f in "$dir"/tests/fuzz/fuzz_*; do
                [[ -f "$f" && -x "$f" ]] || continue
                name=$(basename "$f")
                corpus=tests/fuzz/corpus/${name#fuzz_}
                seeds=()
                # The files operators start from are seeds too (as in tests/fuzz/meson.build).
                [[ "$name" != fuzz_policy ]] || seeds=(examples/policies)
                [[ "$name" != fuzz_testsuite ]] || seeds=(tests/policy)
                mkdir -p "$work/$name"
                echo "    $name: ${FUZZ_SECONDS:-20} s from $corpus"
                # New inputs go to the scratch dir; the checked-in corpus stays as it is.
                if ! LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp "$f" -max_total_time="${FUZZ_SECONDS:-20}" -max_len=131072 \
                        -artifact_prefix="$work/" "$work/$name" "$corpus" "${seeds[@]}" \
                        >"$work/$name.log" 2>&1; then
                        tail -n 40 "$work/$name.log"
                        echo "    crash input kept in $work"
                        rc=1
                fi
                grep -E '^(Done [0-9]+ runs|#[0-9]+ *DONE)' "$work/$name.log" | sed 's/^/    /'
        done
        ((rc != 0)) || rm -rf "$work"
        return $rc
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

step "build + all tests" suite build
step "ASan/UBSan build + all tests" suite build-asan -Db_sanitize=address,undefined -Db_lundef=false
step "fuzzing" fuzz_all
step "release build" meson_build build-release --buildtype=release

if ((${#FAILED[@]} > 0)); then
        echo "FAILED: ${FAILED[*]}"
        exit 1
fi
echo "all tests passed"
