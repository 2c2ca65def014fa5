#!/bin/bash
# overlayfs mounted from inside a runc container with a user namespace, through
# seccompd's emulated mount(2), under the shipped nested-containers policy: the
# container makes its layers on its rootfs (a whiteout by emulated mknod 0:0, an
# opaque directory by emulated setxattr trusted.overlay.opaque), mounts them
# with busybox mount, and the merged view honours both; a file written through
# the mount lands in the upper layer on the host; umount works. Also: relative
# layer paths from the cwd, 60 layers, and the refusals (too many layers,
# metacopy=on, unknown options, host-owned layers, layers symlinked to host
# paths, a redirect the container set is not followed). Nothing is ever mounted
# in the host's namespace.
source "$IT_LIB"

require_runtime
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || bail "the kernel has no overlayfs"

POLICY_SRC=$(dirname "$IT_LIB")/../../examples/policies/nested-containers.yaml
[[ -f "$POLICY_SRC" ]] || bail "no $POLICY_SRC"
P=$IT_TMP/policies
mkdir -p "$P"
cp "$POLICY_SRC" "$P/nested-containers.yaml"
daemon_start --policy-dir "$P"
# Whatever happens, no mount of ours may survive on the host.
at_exit "findmnt -rn -o TARGET | grep '^$IT_TMP' | sort -r | xargs -r -n1 umount -l"

# ---- a userns container (0 -> 100000) with CAP_SYS_ADMIN and CAP_MKNOD in it
U=$IT_TMP/userns
make_bundle "$U" userns
UR=$U/rootfs
bundle_add_caps "$U" CAP_SYS_ADMIN &&
        bundle_policy "$U" nested-containers &&
        bundle_seccomp "$U" mknod mknodat setxattr lsetxattr mount umount2
chown -R 100000:100000 "$UR"
[[ "$(stat -f -c %T "$UR")" != tmpfs ]] || bail "the rootfs is on tmpfs: overlay needs a disk filesystem here"

# A host-owned directory in the rootfs, and symlinks out of it to host paths.
mkdir -p "$UR/hostowned" "$IT_TMP/hostlower"
echo host >"$IT_TMP/hostlower/secret"
chown 0:0 "$UR/hostowned"
ln -s "$IT_TMP/hostlower" "$UR/esc"
chown -h 100000:100000 "$UR/esc"

# ================================================ the layers, mounted with busybox mount
before=$(emulated)
got=$(in_script "$U" it-overlay <<'EOF'
mkdir -p /ovl/lower/dir /ovl/lower/dir2 /ovl/upper/dir /ovl/work /ovl/merged
echo lower >/ovl/lower/gone
echo lower >/ovl/lower/keep
echo lower >/ovl/lower/dir/hidden
echo lower >/ovl/lower/dir2/visible
echo upper >/ovl/upper/dir/new
r wh /bin/sc-probe mknod /ovl/upper/gone c 0:0 0000
r opaque /bin/sc-probe setxattr /ovl/upper/dir trusted.overlay.opaque y
r mount mount -t overlay overlay -o lowerdir=/ovl/lower,upperdir=/ovl/upper,workdir=/ovl/work /ovl/merged
r mounts sh -c 'grep " /ovl/merged " /proc/mounts | cut -d" " -f1-3'
r ls ls /ovl/merged
r dir ls /ovl/merged/dir
r dir2 ls /ovl/merged/dir2
r keep cat /ovl/merged/keep
r write sh -c 'echo fresh >/ovl/merged/fresh && cat /ovl/merged/fresh'
r rm rm /ovl/merged/keep
r ls2 ls /ovl/merged
r umount umount /ovl/merged
r after ls /ovl/merged
EOF
)
check_eq "mknod c 0:0 (whiteout) in the upper layer" ok "$(pick "$got" wh)"
check_eq "setxattr trusted.overlay.opaque on the upper dir" ok "$(pick "$got" opaque)"
check_eq "busybox mount -t overlay inside the container" "" "$(pick "$got" mount)"
check_eq "mounted on /ovl/merged inside the container" "overlay /ovl/merged overlay" "$(pick "$got" mounts)"
check_eq "the whiteout hides the lower file" "dir dir2 keep" "$(pick "$got" ls)"
check_eq "the opaque dir hides the lower dir's entries" new "$(pick "$got" dir)"
check_eq "a dir without the attribute merges with the lower one" visible "$(pick "$got" dir2)"
check_eq "a lower file reads through the mount" lower "$(pick "$got" keep)"
check_eq "a file written through the mount" fresh "$(pick "$got" write)"
check_eq "rm of a lower file through the mount" "" "$(pick "$got" rm)"
check_eq "the removed lower file is gone from the merged view" "dir dir2 fresh" "$(pick "$got" ls2)"
check_eq "umount inside the container" "" "$(pick "$got" umount)"
check_eq "unmounted: the mount point is empty again" "" "$(pick "$got" after)"
check_eq "whiteout, xattr, mount and umount2 were emulated" $((before + 4)) "$(emulated)"
check_eq "host: the new file is in the upper layer" fresh "$(cat "$UR/ovl/upper/fresh" 2>&1)"
check_eq "host: owned by the container's root" 100000:100000 "$(stat -c %u:%g "$UR/ovl/upper/fresh" 2>&1)"
# overlayfs makes its whiteouts with the mounter's credentials: seccompd's helper.
check_node "host: overlayfs made a whiteout for the removed file (owned by the mounter)" "$UR/ovl/upper/keep" \
        "character special file 0:0 0 0:0"
check_eq "host: the lower layer is untouched" lower "$(cat "$UR/ovl/lower/keep" 2>&1)"
check_eq "host: nothing is mounted in the host's namespace" 0 "$(host_mounts_under "$IT_TMP")"

# ================================================ relative layers, many layers, refusals
mkdir -p "$UR/ovl/l2"
echo second >"$UR/ovl/l2/only-l2"
echo l2 >"$UR/ovl/l2/keep2"
echo base >"$UR/ovl/lower/keep2"
for i in $(seq 0 60); do
        mkdir -p "$UR/ovl/many/$i"
        echo "$i" >"$UR/ovl/many/$i/f$i"
done
chown -R 100000:100000 "$UR/ovl"
many=$(seq -s: -f '/ovl/many/%g' 0 59)
got=$(in_script "$U" it-overlay-more <<EOF
cd /ovl
r rel /bin/sc-probe mount overlay merged overlay 0x8000 lowerdir=l2:lower,upperdir=upper,workdir=./work
r rells ls /ovl/merged
r relkeep cat /ovl/merged/keep2
r relumount /bin/sc-probe umount2 merged 0
r dotdot /bin/sc-probe mount overlay /ovl/merged overlay 0 lowerdir=../../../../ovl/l2:../../../ovl/lower
r dotdotls ls /ovl/merged
r dotdotumount /bin/sc-probe umount2 /ovl/merged 0
r sixty /bin/sc-probe mount overlay /ovl/merged overlay 0 lowerdir=$many
r sixtyls sh -c 'ls /ovl/merged | wc -l'
r sixtyumount /bin/sc-probe umount2 /ovl/merged 0
r sixtyone /bin/sc-probe mount overlay /ovl/merged overlay 0 lowerdir=$many:/ovl/many/60
r metacopy /bin/sc-probe mount overlay /ovl/merged overlay 0 lowerdir=/ovl/l2:/ovl/lower,metacopy=on
r redirect /bin/sc-probe mount overlay /ovl/merged overlay 0 lowerdir=/ovl/l2:/ovl/lower,redirect_dir=on
r unknown /bin/sc-probe mount overlay /ovl/merged overlay 0 lowerdir=/ovl/l2:/ovl/lower,bogus
r datadir /bin/sc-probe mount overlay /ovl/merged overlay 0 lowerdir=/ovl/l2::/ovl/lower
r hostowned /bin/sc-probe mount overlay /ovl/merged overlay 0 lowerdir=/ovl/l2:/hostowned
r esc /bin/sc-probe mount overlay /ovl/merged overlay 0 lowerdir=/ovl/l2:/esc
r hostpath /bin/sc-probe mount overlay /ovl/merged overlay 0 lowerdir=/ovl/l2:$IT_TMP/hostlower
r syncflag /bin/sc-probe mount overlay /ovl/merged overlay 0x10 lowerdir=/ovl/l2:/ovl/lower
r nolayers /bin/sc-probe mount overlay /ovl/merged overlay 0 index=off
r mounts sh -c 'grep -c " /ovl/merged " /proc/mounts'
EOF
)
check_eq "relative layers from the cwd, MS_SILENT: mounted" ok "$(pick "$got" rel)"
check_eq "relative layers: both lower layers merged" "dir dir2 fresh keep2 only-l2" "$(pick "$got" rells)"
check_eq "relative layers: the first lower layer is the top one" l2 "$(pick "$got" relkeep)"
check_eq "relative layers: umount2" ok "$(pick "$got" relumount)"
check_eq "'..' in layer paths stops at the container's root: mounted" ok "$(pick "$got" dotdot)"
check_eq "'..' in layer paths: the container's own layers" "dir dir2 gone keep keep2 only-l2" "$(pick "$got" dotdotls)"
check_eq "'..' in layer paths: umount2" ok "$(pick "$got" dotdotumount)"
check_eq "60 lower layers: mounted" ok "$(pick "$got" sixty)"
check_eq "60 lower layers: all merged" 60 "$(pick "$got" sixtyls)"
check_eq "60 lower layers: umount2" ok "$(pick "$got" sixtyumount)"
check_eq "61 lower layers: EINVAL" errno=EINVAL "$(pick "$got" sixtyone)"
check_eq "metacopy=on: EPERM" errno=EPERM "$(pick "$got" metacopy)"
check_eq "redirect_dir=on: EPERM" errno=EPERM "$(pick "$got" redirect)"
check_eq "an unknown option: EINVAL" errno=EINVAL "$(pick "$got" unknown)"
check_eq "data-only layers ('::'): EPERM" errno=EPERM "$(pick "$got" datadir)"
check_eq "a host-owned layer directory: EPERM" errno=EPERM "$(pick "$got" hostowned)"
check_eq "a layer symlinked to a host path: not found inside" errno=ENOENT "$(pick "$got" esc)"
check_eq "a layer named by its host path: not found inside" errno=ENOENT "$(pick "$got" hostpath)"
check_eq "a flag outside the policy (MS_SYNCHRONOUS): EPERM" errno=EPERM "$(pick "$got" syncflag)"
check_eq "no lowerdir: the kernel's EINVAL" errno=EINVAL "$(pick "$got" nolayers)"
check_eq "nothing left mounted inside" 0 "$(pick "$got" mounts)"
check_eq "host: nothing is mounted in the host's namespace" 0 "$(host_mounts_under "$IT_TMP")"

# ================================================ a redirect the container set is not followed
mkdir -p "$UR/ovl/r/lower/secret" "$UR/ovl/r/upper/moved" "$UR/ovl/r/work" "$UR/ovl/r/merged"
echo hidden >"$UR/ovl/r/lower/secret/s"
chown -R 100000:100000 "$UR/ovl/r"
got=$(in_script "$U" it-overlay-redirect <<'EOF'
r set /bin/sc-probe setxattr /ovl/r/upper/moved trusted.overlay.redirect /secret
r mount /bin/sc-probe mount overlay /ovl/r/merged overlay 0 lowerdir=/ovl/r/lower,upperdir=/ovl/r/upper,workdir=/ovl/r/work
r moved ls /ovl/r/merged/moved
r umount /bin/sc-probe umount2 /ovl/r/merged 0
EOF
)
check_eq "setxattr trusted.overlay.redirect on an upper dir" ok "$(pick "$got" set)"
check_eq "redirect: mounted" ok "$(pick "$got" mount)"
check_match "redirect: not followed (redirect_dir=nofollow)" "Operation not permitted" "$(pick "$got" moved)"
check_eq "redirect: umount2" ok "$(pick "$got" umount)"

check_eq "nothing is pending at the end" 0 "$(ctl_json '.pending | length' pending)"
daemon_healthy "the daemon is healthy after the overlay containers"
daemon_stop
