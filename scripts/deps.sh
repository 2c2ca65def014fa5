# Sourced by scripts/*.sh: installs the Debian packages a script needs, only
# when one is missing, so every script is idempotent and quick on a second run.

# Packages to build seccompd and its tests (scdoc renders the man pages).
SECCOMPD_BUILD_PKGS=(meson ninja-build pkg-config gcc libc6-dev
        libseccomp-dev libcap-dev libuv1-dev libfyaml-dev libbpf-dev libnl-route-3-dev scdoc lxc-dev)
# What the integration tests and the demo run: real runtimes, a static busybox
# for the rootfs, jq to edit config.json, util-linux for findmnt and setpriv,
# attr for getfattr (trusted.overlay.* checks), fuse2fs for the FUSE redirect
# (copied into a container's rootfs with its libraries), systemd for
# systemd-socket-activate and systemd-analyze (socket activation, the units),
# man-db to render the man pages.
SECCOMPD_RUNTIME_PKGS=(runc crun lxc busybox-static jq util-linux procps attr e2fsprogs fuse2fs systemd man-db)
# Fuzzing and sanitizers (libFuzzer comes with clang's runtime package).
SECCOMPD_FUZZ_PKGS=(clang libclang-rt-14-dev)

ensure_packages() {
        local missing=() p
        for p in "$@"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
                        missing+=("$p")
        done
        ((${#missing[@]} == 0)) && return 0
        echo "==> installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

require_root() {
        if ((EUID != 0)); then
                echo "$0: must run as root (seccompd supervises containers)" >&2
                exit 1
        fi
}

# meson_build DIR [MESON SETUP ARGS...]: configures DIR once, then builds it.
meson_build() {
        local dir=$1
        shift
        if [[ ! -f "$dir/build.ninja" ]]; then
                meson setup "$dir" "$@" >/dev/null || return 1
        fi
        ninja -C "$dir" >/dev/null || ninja -C "$dir"
}
