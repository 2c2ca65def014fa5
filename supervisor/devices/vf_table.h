/* A PF's VF table as rtnetlink reports it: the IFLA_VFINFO_LIST of the
 * RTM_NEWLINK answering an RTM_GETLINK with IFLA_EXT_MASK = RTEXT_FILTER_VF
 * (without the mask the kernel leaves it out). A pure parser of the message,
 * fuzzed: the bytes come from the kernel, whose drivers fill them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One VF as its PF reports it. Settings a driver does not report stay unset
 * (has_* false): the kernel sends -1 for trust and spoofchk then. */
struct vf_table_entry {
        uint32_t vf;                /* the VF's index on its PF (virtfnN) */
        uint8_t mac[6];             /* the administrative MAC; 00:..:00 when none was set */
        uint16_t vlan, qos;
        uint16_t vlan_proto;        /* host order: 0x8100 or 0x88a8 */
        uint32_t min_tx_rate, max_tx_rate; /* Mbit/s, 0: no limit */
        bool has_trust, trust;
        bool has_spoofchk, spoofchk;
        bool has_link_state;
        uint32_t link_state;        /* IFLA_VF_LINK_STATE_* */
};

struct vf_table {
        int ifindex;                /* the PF's */
        bool has_num_vf;            /* IFLA_NUM_VF was there: the PF is a PCI device */
        uint32_t num_vf;
        size_t n;
        struct vf_table_entry *v;   /* in the message's order */
};

/* Parses one RTM_NEWLINK message (|len| bytes from its nlmsghdr) into *ret
 * (clear it with vf_table_clear()). A link without VFs (a veth) is an empty
 * table. 0, -EINVAL (not a well-formed RTM_NEWLINK, a VF entry without its
 * index or too short, a VF index twice), -ENOMEM. Pure; does not log. */
int vf_table_parse(const void *msg, size_t len, struct vf_table *ret);
void vf_table_clear(struct vf_table *t);

/* The entry of VF |vf|, or NULL. */
const struct vf_table_entry *vf_table_find(const struct vf_table *t, uint32_t vf);
