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
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/rtnl.h>
#include <netlink/socket.h>

#include "common/macro.h"
#include "supervisor/devices/vf_netdev.h"
#include "supervisor/devices/vf_table.h"

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
        int idx = ifindex_of(nd, pf_ifname);

        return idx < 0 ? idx : vf_netdev_set_vf_at(nd, idx, c);
}

int vf_netdev_set_vf_at(struct vf_netdev *nd, int pf_ifindex, const struct vf_config *c)
{
        _cleanup_(nlmsg_free_nullp) struct nl_msg *m = NULL;
        int r = vf_netdev_build_vf_config(pf_ifindex, c, &m);

        return r < 0 ? r : request(nd, m);
}

int vf_netdev_build_get_vf_table(const char *pf_ifname, struct nl_msg **ret)
{
        /* libnl's link request asks for the VF list (IFLA_EXT_MASK =
         * RTEXT_FILTER_VF) already; the unit tests check that it does. */
        int r = rtnl_link_build_get_request(0, pf_ifname, ret);

        return r < 0 ? nl_to_errno(r) : 0;
}

struct table_reply {
        struct vf_table *table;
        int r;
};

static int on_link_reply(struct nl_msg *m, void *arg)
{
        struct table_reply *reply = arg;
        struct nlmsghdr *h = nlmsg_hdr(m);

        vf_table_clear(reply->table);
        reply->r = vf_table_parse(h, h->nlmsg_len, reply->table);
        return NL_OK;
}

int vf_netdev_read_vf_table(struct vf_netdev *nd, const char *pf_ifname, struct vf_table *ret)
{
        _cleanup_(nlmsg_free_nullp) struct nl_msg *m = NULL;
        struct vf_table t = { 0 };
        struct table_reply reply = { .table = &t, .r = -ENODATA };
        struct nl_cb *sock_cb, *cb;
        int r = vf_netdev_build_get_vf_table(pf_ifname, &m);

        if (r < 0)
                return r;
        /* nl_socket_get_cb() takes a reference: put, or the socket's cb leaks. */
        sock_cb = nl_socket_get_cb(nd->sock);
        cb = nl_cb_clone(sock_cb);
        nl_cb_put(sock_cb);
        if (!cb)
                return -ENOMEM;
        nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_link_reply, &reply);
        r = nl_send_auto(nd->sock, m);
        if (r >= 0)
                r = nl_recvmsgs(nd->sock, cb);
        /* nl_send_auto() asked for an ACK: it follows the reply (same round
         * trip), and left queued it would answer the next request. */
        if (r >= 0 && reply.r != -ENODATA)
                r = nl_wait_for_ack(nd->sock);
        nl_cb_put(cb);
        nd->round_trips++;
        if (r < 0 || reply.r < 0) {
                vf_table_clear(&t);
                return r < 0 ? nl_to_errno(r) : reply.r;
        }
        *ret = t;
        return 0;
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

const char *vf_pass_step_name(enum vf_pass_step s)
{
        static const char *const names[] = {
                [VF_PASS_DONE] = "done",
                [VF_PASS_LOOKUP] = "finding the netdev",
                [VF_PASS_TMP_RENAME] = "renaming to a temporary name",
                [VF_PASS_MOVE] = "moving between network namespaces",
                [VF_PASS_SOCKET] = "opening a socket in the container's network namespace",
                [VF_PASS_CT_RENAME] = "renaming in the container",
                [VF_PASS_HOST_RENAME] = "restoring the host name",
        };

        return (size_t) s < ARRAY_SIZE(names) && names[s] ? names[s] : "unknown step";
}

/* "sdvf" and 8 random hex digits: unique enough on both sides of a move, and
 * not a name any runtime or udev rule gives. */
static int tmp_name(char buf[IF_NAMESIZE])
{
        uint32_t x;

        if (getrandom(&x, sizeof(x), 0) != (ssize_t) sizeof(x))
                return -errno;
        snprintf(buf, IF_NAMESIZE, "sdvf%08x", x);
        return 0;
}

/* Renames netdev |idx|: taken down first unless it is down already (a moved
 * netdev is: the kernel closes it to move it). 1 or 2 round trips. */
static int rename_idx(struct vf_netdev *nd, int idx, const char *name, bool is_down, bool up)
{
        int r = is_down ? 0 : set_flags(nd, idx, 0, NULL);

        return r < 0 ? r : set_flags(nd, idx, up ? IFF_UP : 0, name);
}

static int move_idx(struct vf_netdev *nd, int idx, int netns_fd)
{
        _cleanup_(nlmsg_free_nullp) struct nl_msg *m = setlink_msg(idx);

        if (!m || nla_put_u32(m, IFLA_NET_NS_FD, (uint32_t) netns_fd) < 0)
                return -ENOMEM;
        return request(nd, m);
}

static int fail(enum vf_pass_step step, int r, enum vf_pass_step *ret_step)
{
        *ret_step = step;
        return r;
}

/* Moves |idx| (named |tmp|, in inside's namespace) to host's, |host_nsfd|,
 * and renames it |host_ifname| there (left as |tmp| when that is taken). */
static int bring_back(struct vf_netdev *host, struct vf_netdev *inside, int idx, int host_nsfd, const char *tmp,
                      const char *host_ifname, char ret_ifname[IF_NAMESIZE], enum vf_pass_step *ret_step)
{
        int r = move_idx(inside, idx, host_nsfd);

        if (r < 0)
                return fail(VF_PASS_MOVE, r, ret_step);
        snprintf(ret_ifname, IF_NAMESIZE, "%s", tmp);
        idx = ifindex_of(host, tmp);
        if (idx < 0)
                return fail(VF_PASS_LOOKUP, idx, ret_step);
        r = rename_idx(host, idx, host_ifname, true, false);
        if (r < 0)
                return fail(VF_PASS_HOST_RENAME, r, ret_step);
        snprintf(ret_ifname, IF_NAMESIZE, "%s", host_ifname);
        return fail(VF_PASS_DONE, 0, ret_step);
}

static int open_own_netns(void)
{
        int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

static struct vf_netdev *vf_netdev_free_counted(struct vf_netdev *inside, struct vf_netdev *host)
{
        if (inside)
                host->round_trips += inside->round_trips;
        return vf_netdev_free(inside);
}

/* The container's side of a pass: the rename to |ct_ifname|, undone by
 * bringing the netdev back when it fails. */
static int pass_inside(struct vf_netdev *host, struct vf_netdev *inside, int host_nsfd, const char *tmp,
                       const char *host_ifname, const char *ct_ifname, bool up, enum vf_pass_step *ret_step)
{
        char back[IF_NAMESIZE];
        enum vf_pass_step ignored;
        int idx = ifindex_of(inside, tmp), r;

        if (idx < 0)
                return fail(VF_PASS_LOOKUP, idx, ret_step);
        r = rename_idx(inside, idx, ct_ifname, true, up);
        if (r >= 0)
                return fail(VF_PASS_DONE, 0, ret_step);
        (void) bring_back(host, inside, idx, host_nsfd, tmp, host_ifname, back, &ignored);
        return fail(VF_PASS_CT_RENAME, r, ret_step);
}

int vf_netdev_pass(struct vf_netdev *host, int netns_fd, const char *host_ifname, const char *ct_ifname, bool up,
                   enum vf_pass_step *ret_step)
{
        _cleanup_close_ int host_nsfd = -EBADF;
        struct vf_netdev *inside = NULL;
        char tmp[IF_NAMESIZE];
        int idx, r;

        if (!ct_ifname[0] || strlen(ct_ifname) >= IF_NAMESIZE)
                return fail(VF_PASS_CT_RENAME, -EINVAL, ret_step);
        host_nsfd = open_own_netns();
        r = host_nsfd < 0 ? host_nsfd : tmp_name(tmp);
        if (r < 0)
                return fail(VF_PASS_SOCKET, r, ret_step);
        idx = ifindex_of(host, host_ifname);
        if (idx < 0)
                return fail(VF_PASS_LOOKUP, idx, ret_step);
        r = rename_idx(host, idx, tmp, false, false);
        if (r < 0)
                return fail(VF_PASS_TMP_RENAME, r, ret_step);
        r = move_idx(host, idx, netns_fd);
        if (r < 0) {
                (void) rename_idx(host, idx, host_ifname, true, false);
                return fail(VF_PASS_MOVE, r, ret_step);
        }
        r = vf_netdev_new_in(netns_fd, &inside);
        if (r < 0)
                /* No way back without a socket inside: it stays there, renamed
                 * by nobody; the caller's release finds it by the temporary
                 * name no more than by any other. Rare (ENOMEM, EMFILE). */
                return fail(VF_PASS_SOCKET, r, ret_step);
        r = pass_inside(host, inside, host_nsfd, tmp, host_ifname, ct_ifname, up, ret_step);
        vf_netdev_free_counted(inside, host);
        return r;
}

int vf_netdev_reclaim(struct vf_netdev *host, int netns_fd, const char *ct_ifname, const char *host_ifname,
                      char ret_ifname[IF_NAMESIZE], enum vf_pass_step *ret_step)
{
        _cleanup_close_ int host_nsfd = open_own_netns();
        struct vf_netdev *inside = NULL;
        char tmp[IF_NAMESIZE];
        int idx, r;

        r = host_nsfd < 0 ? host_nsfd : tmp_name(tmp);
        if (r >= 0)
                r = vf_netdev_new_in(netns_fd, &inside);
        if (r < 0)
                return fail(VF_PASS_SOCKET, r, ret_step);
        idx = ifindex_of(inside, ct_ifname);
        if (idx < 0)
                r = fail(VF_PASS_LOOKUP, idx, ret_step);
        else if ((r = rename_idx(inside, idx, tmp, false, false)) < 0)
                r = fail(VF_PASS_TMP_RENAME, r, ret_step);
        else
                r = bring_back(host, inside, idx, host_nsfd, tmp, host_ifname, ret_ifname, ret_step);
        vf_netdev_free_counted(inside, host);
        return r;
}
