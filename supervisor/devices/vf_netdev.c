/* rtnetlink requests of netdev-mode VF passthrough (vf_netdev.h). Messages are
 * built by hand with libnl's attribute helpers: each one is what the kernel
 * documents for RTM_SETLINK, and is checked in tests without being sent. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/rtnl.h>
#include <netlink/socket.h>

#include "common/macro.h"
#include "supervisor/devices/vf_netdev.h"

struct vf_netdev {
        struct nl_sock *sock;
        unsigned round_trips;
};

static struct nl_msg *nlmsg_free_null(struct nl_msg *m)
{
        nlmsg_free(m);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free_null)

/* libnl's errors are its own codes: map the ones that mean something here. */
static int nl_to_errno(int nlerr)
{
        switch (-abs(nlerr)) {
        case -NLE_NOMEM:
                return -ENOMEM;
        case -NLE_EXIST:
                return -EEXIST;
        case -NLE_OBJ_NOTFOUND:
        case -NLE_NODEV:
                return -ENODEV;
        case -NLE_PERM:
                return -EPERM;
        case -NLE_BUSY:
                return -EBUSY;
        case -NLE_INVAL:
                return -EINVAL;
        case -NLE_OPNOTSUPP:
                return -EOPNOTSUPP;
        case -NLE_RANGE:
                return -ERANGE;
        default:
                return -EIO;
        }
}

bool vf_config_any(const struct vf_config *c)
{
        return c->set_mac || c->set_vlan || c->set_trust || c->set_spoofchk || c->set_rate || c->set_link_state;
}

static struct nl_msg *setlink_msg(int ifindex)
{
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
        struct nl_msg *m = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);

        if (m && nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
                m = nlmsg_free_null(m);
        return m;
}

static int put_vlan(struct nl_msg *m, const struct vf_config *c)
{
        struct ifla_vf_vlan_info v = { .vf = c->vf, .vlan = c->vlan, .qos = c->qos,
                                       .vlan_proto = htons(c->vlan_proto ? c->vlan_proto : 0x8100) };
        struct nlattr *list = nla_nest_start(m, IFLA_VF_VLAN_LIST);

        if (!list || nla_put(m, IFLA_VF_VLAN_INFO, sizeof(v), &v) < 0)
                return -ENOMEM;
        nla_nest_end(m, list);
        return 0;
}

static int put_vf_info(struct nl_msg *m, const struct vf_config *c)
{
        struct ifla_vf_mac mac = { .vf = c->vf };
        struct ifla_vf_trust trust = { .vf = c->vf, .setting = c->trust };
        struct ifla_vf_spoofchk spoof = { .vf = c->vf, .setting = c->spoofchk };
        struct ifla_vf_rate rate = { .vf = c->vf, .min_tx_rate = c->min_tx_rate, .max_tx_rate = c->max_tx_rate };
        struct ifla_vf_link_state ls = { .vf = c->vf, .link_state = c->link_state };
        int r = 0;

        memcpy(mac.mac, c->mac, sizeof(c->mac));
        if (c->set_mac)
                r = nla_put(m, IFLA_VF_MAC, sizeof(mac), &mac);
        if (r >= 0 && c->set_vlan)
                r = put_vlan(m, c);
        if (r >= 0 && c->set_rate)
                r = nla_put(m, IFLA_VF_RATE, sizeof(rate), &rate);
        if (r >= 0 && c->set_trust)
                r = nla_put(m, IFLA_VF_TRUST, sizeof(trust), &trust);
        if (r >= 0 && c->set_spoofchk)
                r = nla_put(m, IFLA_VF_SPOOFCHK, sizeof(spoof), &spoof);
        if (r >= 0 && c->set_link_state)
                r = nla_put(m, IFLA_VF_LINK_STATE, sizeof(ls), &ls);
        return r < 0 ? -ENOMEM : 0;
}

int vf_netdev_build_vf_config(int pf_ifindex, const struct vf_config *c, struct nl_msg **ret)
{
        _cleanup_(nlmsg_free_nullp) struct nl_msg *m = NULL;
        struct nlattr *list, *info;

        if (!vf_config_any(c) || pf_ifindex <= 0)
                return -EINVAL;
        m = setlink_msg(pf_ifindex);
        if (!m)
                return -ENOMEM;
        list = nla_nest_start(m, IFLA_VFINFO_LIST);
        info = list ? nla_nest_start(m, IFLA_VF_INFO) : NULL;
        if (!info || put_vf_info(m, c) < 0)
                return -ENOMEM;
        nla_nest_end(m, info);
        nla_nest_end(m, list);
        *ret = TAKE_PTR(m);
        return 0;
}

int vf_netdev_new(struct vf_netdev **ret)
{
        _cleanup_free_ struct vf_netdev *nd = calloc(1, sizeof(*nd));
        int r;

        if (!nd)
                return -ENOMEM;
        nd->sock = nl_socket_alloc();
        if (!nd->sock)
                return -ENOMEM;
        r = nl_connect(nd->sock, NETLINK_ROUTE);
        if (r < 0) {
                nl_socket_free(nd->sock);
                return nl_to_errno(r);
        }
        *ret = TAKE_PTR(nd);
        return 0;
}

struct vf_netdev *vf_netdev_free(struct vf_netdev *nd)
{
        if (nd) {
                nl_socket_free(nd->sock);
                free(nd);
        }
        return NULL;
}

unsigned vf_netdev_round_trips(const struct vf_netdev *nd)
{
        return nd->round_trips;
}

/* Sends |m| and waits for its ACK: one round trip. */
static int request(struct vf_netdev *nd, struct nl_msg *m)
{
        int r = nl_send_auto(nd->sock, m);

        if (r >= 0)
                r = nl_wait_for_ack(nd->sock);
        nd->round_trips++;
        return r < 0 ? nl_to_errno(r) : 0;
}

/* The ifindex of |ifname| in the socket's namespace. */
static int ifindex_of(struct vf_netdev *nd, const char *ifname)
{
        struct rtnl_link *link = NULL;
        int r = rtnl_link_get_kernel(nd->sock, 0, ifname, &link), idx;

        nd->round_trips++;
        if (r < 0)
                return nl_to_errno(r);
        idx = rtnl_link_get_ifindex(link);
        rtnl_link_put(link);
        return idx > 0 ? idx : -ENODEV;
}

int vf_netdev_set_vf(struct vf_netdev *nd, const char *pf_ifname, const struct vf_config *c)
{
        _cleanup_(nlmsg_free_nullp) struct nl_msg *m = NULL;
        int idx = ifindex_of(nd, pf_ifname), r;

        if (idx < 0)
                return idx;
        r = vf_netdev_build_vf_config(idx, c, &m);
        return r < 0 ? r : request(nd, m);
}

int vf_netdev_move(struct vf_netdev *nd, const char *ifname, int netns_fd)
{
        _cleanup_(nlmsg_free_nullp) struct nl_msg *m = NULL;
        int idx = ifindex_of(nd, ifname);

        if (idx < 0)
                return idx;
        m = setlink_msg(idx);
        if (!m)
                return -ENOMEM;
        if (nla_put_u32(m, IFLA_NET_NS_FD, (uint32_t) netns_fd) < 0)
                return -ENOMEM;
        return request(nd, m);
}

static int set_flags(struct vf_netdev *nd, int idx, unsigned flags, const char *name)
{
        _cleanup_(nlmsg_free_nullp) struct nl_msg *m = setlink_msg(idx);
        struct ifinfomsg *ifi;

        if (!m)
                return -ENOMEM;
        ifi = nlmsg_data(nlmsg_hdr(m));
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = flags;
        if (name && nla_put_string(m, IFLA_IFNAME, name) < 0)
                return -ENOMEM;
        return request(nd, m);
}

int vf_netdev_rename(struct vf_netdev *nd, const char *ifname, const char *new_name, bool up)
{
        int idx, r;

        if (strlen(new_name) >= IF_NAMESIZE || !new_name[0])
                return -EINVAL;
        idx = ifindex_of(nd, ifname);
        if (idx < 0)
                return idx;
        /* do_setlink renames before it changes flags: down first, then the
         * name and the wanted state together. */
        r = set_flags(nd, idx, 0, NULL);
        if (r >= 0)
                r = set_flags(nd, idx, up ? IFF_UP : 0, new_name);
        return r;
}

int vf_netdev_new_in(int netns_fd, struct vf_netdev **ret)
{
        _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int r;

        if (self < 0)
                return -errno;
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return -errno;
        /* A socket belongs to the namespace it was made in, whatever comes after. */
        r = vf_netdev_new(ret);
        if (setns(self, CLONE_NEWNET) < 0)
                /* Left in the container's namespace, this thread would act
                 * there from now on: not a state to go on from. */
                abort();
        return r;
}
