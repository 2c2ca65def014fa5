/* netdev-mode passthrough over rtnetlink (libnl-route-3): VF settings through
 * the PF (IFLA_VFINFO_LIST), and moving a VF's netdev into a container's
 * network namespace under its requested name and back. Every request is one
 * message and one ACK; vf_netdev counts them (round trips). */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct nl_msg;
struct vf_netdev;
struct vf_table;

/* What a container asks of its VF through the PF; unset fields are left. */
struct vf_config {
        uint32_t vf;              /* the VF's index on its PF (virtfnN) */
        bool set_mac;
        uint8_t mac[6];
        bool set_vlan;
        uint16_t vlan, qos, vlan_proto; /* vlan_proto: ETH_P_8021Q (0x8100) or ETH_P_8021AD */
        bool set_trust, trust;
        bool set_spoofchk, spoofchk;
        bool set_rate;
        uint32_t min_tx_rate, max_tx_rate; /* Mbit/s */
        bool set_link_state;
        uint32_t link_state;      /* IFLA_VF_LINK_STATE_AUTO/ENABLE/DISABLE */
};

/* Whether |c| asks anything of the PF: without, no PF message is sent (a VF
 * whose "PF" cannot do it, as the tests' veths, still passes through). */
bool vf_config_any(const struct vf_config *c);

/* Builds the RTM_SETLINK of PF |pf_ifindex| carrying |c| (nothing sent).
 * 0 and *ret (nlmsg_free() it), -ENOMEM, -EINVAL (nothing to set). */
int vf_netdev_build_vf_config(int pf_ifindex, const struct vf_config *c, struct nl_msg **ret);

/* A route netlink socket in the caller's network namespace. 0 or -errno;
 * vf_netdev_free() accepts NULL and returns NULL. Does not log. */
int vf_netdev_new(struct vf_netdev **ret);
struct vf_netdev *vf_netdev_free(struct vf_netdev *nd);
/* Requests answered on this socket so far. */
unsigned vf_netdev_round_trips(const struct vf_netdev *nd);

/* Applies |c| through the PF |pf_ifname|. 0 or -errno (-ENODEV: no PF). */
int vf_netdev_set_vf(struct vf_netdev *nd, const char *pf_ifname, const struct vf_config *c);
/* The same through the PF's ifindex: one round trip. -EOPNOTSUPP when the
 * PF's driver cannot set one of the settings (a veth, or one it lacks). */
int vf_netdev_set_vf_at(struct vf_netdev *nd, int pf_ifindex, const struct vf_config *c);

/* Builds the RTM_GETLINK of |pf_ifname| asking for its VF table (nothing
 * sent). 0 and *ret (nlmsg_free() it), or -errno. */
int vf_netdev_build_get_vf_table(const char *pf_ifname, struct nl_msg **ret);
/* Reads the VF table of |pf_ifname| (vf_table.h): one round trip. 0 and *ret
 * (vf_table_clear() it), -ENODEV (no such link), -EINVAL (a reply that does
 * not parse), -errno. Does not log. */
int vf_netdev_read_vf_table(struct vf_netdev *nd, const char *pf_ifname, struct vf_table *ret);

/* Moves |ifname| (in nd's namespace) into the namespace |netns_fd|, keeping
 * its name: the kernel refuses (-EEXIST) when the name is taken there and
 * leaves it where it was. A name is never changed in the same request: the
 * kernel (6.18) moves the netdev first and fails the rename after, leaving it
 * moved under its old name. So a passthrough renames on the host to a
 * unique temporary name, moves, then renames inside. 0 or -errno. */
int vf_netdev_move(struct vf_netdev *nd, const char *ifname, int netns_fd);

/* Renames |ifname| in nd's namespace to |new_name| (taken down first, as a
 * rename needs) and sets it up if |up|, in one request. 0, -EEXIST when
 * the name or an altname is taken, or -errno. */
int vf_netdev_rename(struct vf_netdev *nd, const char *ifname, const char *new_name, bool up);

/* A vf_netdev whose socket is in the namespace |netns_fd| (the container's),
 * for moving a netdev back out. The caller's namespace is restored before it
 * returns. 0 or -errno. */
int vf_netdev_new_in(int netns_fd, struct vf_netdev **ret);

/* Which step of a passthrough or its release failed: one errno cannot say
 * (-EEXIST is a taken temporary name, a taken name in the container, or a
 * taken original name on the host). */
enum vf_pass_step {
        VF_PASS_DONE,
        VF_PASS_LOOKUP,        /* the netdev is not where it should be (-ENODEV) */
        VF_PASS_TMP_RENAME,    /* to the unique temporary name, before a move */
        VF_PASS_MOVE,          /* between the namespaces */
        VF_PASS_SOCKET,        /* a socket in the container's namespace */
        VF_PASS_CT_RENAME,     /* to the requested name in the container (-EEXIST: taken there) */
        VF_PASS_HOST_RENAME,   /* back to its original name on the host (-EEXIST: taken) */
};
const char *vf_pass_step_name(enum vf_pass_step s);

/* Passes the host netdev |host_ifname| (in host's namespace) into the network
 * namespace |netns_fd| as |ct_ifname|, set up if |up|: down and renamed on the
 * host to a unique temporary name, moved, renamed inside (refused with -EEXIST
 * if |ct_ifname| exists there). 6 round trips. On failure every step done is
 * undone (the netdev back on the host under |host_ifname|, down) and
 * *ret_step names the step that failed. Round trips of the socket inside count
 * in host's. 0 or -errno; does not log. */
int vf_netdev_pass(struct vf_netdev *host, int netns_fd, const char *host_ifname, const char *ct_ifname, bool up,
                   enum vf_pass_step *ret_step);

/* Takes |ct_ifname| back out of the namespace |netns_fd| into host's, down and
 * through a temporary name (the container's name is often taken on the host),
 * and restores |host_ifname|. 6 round trips. *ret_ifname is its name on the
 * host whenever it got there: |host_ifname|, or the temporary name when that
 * is taken (-EEXIST, step VF_PASS_HOST_RENAME). 0 or -errno, *ret_step as for
 * vf_netdev_pass(); does not log. */
int vf_netdev_reclaim(struct vf_netdev *host, int netns_fd, const char *ct_ifname, const char *host_ifname,
                      char ret_ifname[IF_NAMESIZE], enum vf_pass_step *ret_step);
