/* netdev passthrough requests: the PF's VF settings message as the kernel
 * reads it (built, not sent), and a real veth moved into a fresh network
 * namespace under a new name and back, one round trip each. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/msg.h>

#include "supervisor/devices/vf_netdev.h"
#include "tests/unit/harness.h"

static struct nlattr *vf_info_attr(struct nl_msg *m, int type)
{
        struct nlattr *tb[IFLA_MAX + 1], *list, *info;

        if (nlmsg_parse(nlmsg_hdr(m), sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
                return NULL;
        list = tb[IFLA_VFINFO_LIST];
        info = list ? nla_find(nla_data(list), nla_len(list), IFLA_VF_INFO) : NULL;
        return info ? nla_find(nla_data(info), nla_len(info), type) : NULL;
}

TEST(vf_config_message_carries_what_was_asked_only)
{
        struct vf_config c = { .vf = 3, .set_mac = true, .mac = { 2, 0, 0, 0, 0, 7 }, .set_vlan = true, .vlan = 100,
                               .qos = 2, .set_trust = true, .trust = true, .set_spoofchk = true };
        struct nl_msg *m = NULL;
        struct nlattr *a, *v;
        struct ifla_vf_mac *mac;
        struct ifla_vf_vlan_info *vlan;

        EXPECT_FALSE(vf_config_any(&(struct vf_config) { 0 }));
        EXPECT_EQ(vf_netdev_build_vf_config(5, &(struct vf_config) { 0 }, &m), -EINVAL);
        ASSERT_EQ(vf_netdev_build_vf_config(5, &c, &m), 0);
        EXPECT_EQ(nlmsg_hdr(m)->nlmsg_type, RTM_SETLINK);
        EXPECT_EQ(((struct ifinfomsg *) nlmsg_data(nlmsg_hdr(m)))->ifi_index, 5);
        a = vf_info_attr(m, IFLA_VF_MAC);
        ASSERT_TRUE(a != NULL);
        mac = nla_data(a);
        EXPECT_EQ(mac->vf, 3);
        EXPECT_EQ(mac->mac[5], 7);
        a = vf_info_attr(m, IFLA_VF_VLAN_LIST);
        ASSERT_TRUE(a != NULL);
        v = nla_find(nla_data(a), nla_len(a), IFLA_VF_VLAN_INFO);
        ASSERT_TRUE(v != NULL);
        vlan = nla_data(v);
        EXPECT_EQ(vlan->vlan, 100);
        EXPECT_EQ(vlan->qos, 2);
        EXPECT_EQ(ntohs(vlan->vlan_proto), 0x8100);
        a = vf_info_attr(m, IFLA_VF_TRUST);
        ASSERT_TRUE(a != NULL);
        EXPECT_EQ(((struct ifla_vf_trust *) nla_data(a))->setting, 1);
        a = vf_info_attr(m, IFLA_VF_SPOOFCHK);
        ASSERT_TRUE(a != NULL);
        EXPECT_EQ(((struct ifla_vf_spoofchk *) nla_data(a))->setting, 0);
        EXPECT_TRUE(vf_info_attr(m, IFLA_VF_RATE) == NULL);
        EXPECT_TRUE(vf_info_attr(m, IFLA_VF_LINK_STATE) == NULL);
        nlmsg_free(m);
}

/* A child holding a new network namespace; its ns fd. */
static int new_netns(pid_t *ret_pid)
{
        int p[2];
        char c, path[64];
        pid_t pid;

        if (pipe(p) < 0)
                return -errno;
        pid = fork();
        if (pid == 0) {
                if (unshare(CLONE_NEWNET) < 0)
                        _exit(1);
                (void) write(p[1], "x", 1);
                pause();
                _exit(0);
        }
        close(p[1]);
        if (read(p[0], &c, 1) != 1)
                return -EIO;
        close(p[0]);
        *ret_pid = pid;
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
        return open(path, O_RDONLY | O_CLOEXEC);
}

TEST(veth_moves_in_renamed_and_up_and_back)
{
        struct vf_netdev *host = NULL, *inside = NULL;
        pid_t holder = -1;
        int ns = new_netns(&holder), self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        char cmd[128];

        ASSERT_GE(ns, 0);
        (void) system("ip link del tvfa0 2>/dev/null");
        ASSERT_EQ(system("ip link add tvfa0 type veth peer name tvfa0p"), 0);
        ASSERT_EQ(vf_netdev_new(&host), 0);
        EXPECT_EQ(vf_netdev_move(host, "nonexistent0", ns), -ENODEV);
        ASSERT_EQ(vf_netdev_move(host, "tvfa0", ns), 0);
        EXPECT_EQ(vf_netdev_round_trips(host), 3);
        EXPECT_EQ(if_nametoindex("tvfa0"), 0);
        ASSERT_EQ(vf_netdev_new_in(ns, &inside), 0);
        ASSERT_EQ(vf_netdev_rename(inside, "tvfa0", "eth1", true), 0);
        snprintf(cmd, sizeof(cmd), "nsenter --net=/proc/%d/ns/net ip link show eth1 | grep -q ',UP'",
                 (int) holder);
        EXPECT_EQ(system(cmd), 0);
        ASSERT_EQ(vf_netdev_rename(inside, "eth1", "tvfa0", false), 0);
        ASSERT_EQ(vf_netdev_move(inside, "tvfa0", self), 0);
        EXPECT_NE(if_nametoindex("tvfa0"), 0);
        /* A name taken on the far side is refused and the netdev stays. */
        snprintf(cmd, sizeof(cmd), "nsenter --net=/proc/%d/ns/net ip link add tvfa0 type veth peer name x0",
                 (int) holder);
        ASSERT_EQ(system(cmd), 0);
        EXPECT_EQ(vf_netdev_move(host, "tvfa0", ns), -EEXIST);
        EXPECT_NE(if_nametoindex("tvfa0"), 0);
        (void) system("ip link del tvfa0");
        vf_netdev_free(host);
        vf_netdev_free(inside);
        kill(holder, SIGKILL);
        waitpid(holder, NULL, 0);
}

static int in_netns(pid_t holder, const char *cmd)
{
        char buf[256];

        snprintf(buf, sizeof(buf), "nsenter --net=/proc/%d/ns/net sh -c '%s' >/dev/null 2>&1", (int) holder, cmd);
        return system(buf);
}

TEST(pass_renames_moves_renames_inside_and_reclaim_restores)
{
        struct vf_netdev *host = NULL;
        enum vf_pass_step step = VF_PASS_LOOKUP;
        pid_t holder = -1;
        int ns = new_netns(&holder);
        char name[IF_NAMESIZE] = "";

        ASSERT_GE(ns, 0);
        (void) system("ip link del tvfb0 2>/dev/null; ip link del eth1 2>/dev/null");
        ASSERT_EQ(system("ip link add tvfb0 type veth peer name tvfb0p && ip link set tvfb0 up"), 0);
        ASSERT_EQ(vf_netdev_new(&host), 0);
        ASSERT_EQ(vf_netdev_pass(host, ns, "tvfb0", "eth1", true, &step), 0);
        EXPECT_EQ(step, VF_PASS_DONE);
        /* lookup, down, temporary name, move; inside: lookup, name + up */
        EXPECT_EQ(vf_netdev_round_trips(host), 6);
        EXPECT_EQ(if_nametoindex("tvfb0"), 0);
        EXPECT_EQ(in_netns(holder, "ip link show eth1 | grep -q \",UP\""), 0);
        /* The container's name exists on the host too: the way back goes
         * through a temporary name. */
        ASSERT_EQ(system("ip link add eth1 type veth peer name eth1p"), 0);
        ASSERT_EQ(vf_netdev_reclaim(host, ns, "eth1", "tvfb0", name, &step), 0);
        EXPECT_EQ(step, VF_PASS_DONE);
        EXPECT_STREQ(name, "tvfb0");
        /* inside: lookup, down, temporary name, move; host: lookup, name */
        EXPECT_EQ(vf_netdev_round_trips(host), 12);
        EXPECT_NE(if_nametoindex("tvfb0"), 0);
        EXPECT_NE(in_netns(holder, "ip link show eth1"), 0);
        (void) system("ip link del eth1");
        (void) system("ip link del tvfb0");
        vf_netdev_free(host);
        kill(holder, SIGKILL);
        waitpid(holder, NULL, 0);
}

TEST(pass_to_a_name_taken_inside_is_undone)
{
        struct vf_netdev *host = NULL;
        enum vf_pass_step step = VF_PASS_DONE;
        pid_t holder = -1;
        int ns = new_netns(&holder);

        ASSERT_GE(ns, 0);
        (void) system("ip link del tvfc0 2>/dev/null");
        ASSERT_EQ(system("ip link add tvfc0 type veth peer name tvfc0p"), 0);
        ASSERT_EQ(in_netns(holder, "ip link add eth1 type veth peer name eth1p"), 0);
        ASSERT_EQ(vf_netdev_new(&host), 0);
        EXPECT_EQ(vf_netdev_pass(host, ns, "tvfc0", "eth1", true, &step), -EEXIST);
        EXPECT_EQ(step, VF_PASS_CT_RENAME);
        /* 6 for the pass that failed at its last step; back: move, lookup, name */
        EXPECT_EQ(vf_netdev_round_trips(host), 9);
        EXPECT_NE(if_nametoindex("tvfc0"), 0);
        EXPECT_NE(in_netns(holder, "ip -o link | grep -q sdvf"), 0);
        EXPECT_EQ(vf_netdev_pass(host, ns, "nonexistent0", "eth2", true, &step), -ENODEV);
        EXPECT_EQ(step, VF_PASS_LOOKUP);
        (void) system("ip link del tvfc0");
        vf_netdev_free(host);
        kill(holder, SIGKILL);
        waitpid(holder, NULL, 0);
}

TEST(reclaim_keeps_the_temporary_name_when_the_original_is_taken)
{
        struct vf_netdev *host = NULL;
        enum vf_pass_step step = VF_PASS_DONE;
        pid_t holder = -1;
        int ns = new_netns(&holder);
        char name[IF_NAMESIZE] = "";

        ASSERT_GE(ns, 0);
        (void) system("ip link del tvfd0 2>/dev/null");
        ASSERT_EQ(system("ip link add tvfd0 type veth peer name tvfd0p"), 0);
        ASSERT_EQ(vf_netdev_new(&host), 0);
        ASSERT_EQ(vf_netdev_pass(host, ns, "tvfd0", "eth1", false, &step), 0);
        ASSERT_EQ(system("ip link add tvfd0 type veth peer name tvfd0q"), 0);
        EXPECT_EQ(vf_netdev_reclaim(host, ns, "eth1", "tvfd0", name, &step), -EEXIST);
        EXPECT_EQ(step, VF_PASS_HOST_RENAME);
        EXPECT_EQ(strncmp(name, "sdvf", 4), 0);
        EXPECT_NE(if_nametoindex(name), 0);
        (void) system("ip link del tvfd0");
        (void) system("ip link del tvfd0p");
        vf_netdev_free(host);
        kill(holder, SIGKILL);
        waitpid(holder, NULL, 0);
}
