/* What a container asks to be passed in at its start: today SR-IOV VFs (the
 * policy's `passthrough: { vf: ... }` section, or the same values as OCI
 * annotations org.seccompd.vf.*). The model, the value syntax both share, and
 * the section's parser. Pure: no syscalls. */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

#define PASSTHROUGH_VF_MAX 16    /* VFs one container may ask for */
#define PASSTHROUGH_POOL_MAX 64  /* a pool name and its NUL */

enum {
        PASSTHROUGH_VLAN_8021Q = 0x8100,
        PASSTHROUGH_VLAN_8021AD = 0x88a8,
};

/* The link state a PF reports for its VF (the kernel's IFLA_VF_LINK_STATE_*). */
enum passthrough_link_state {
        PASSTHROUGH_LINK_AUTO,    /* follows the PF's link */
        PASSTHROUGH_LINK_ENABLE,  /* up whatever the PF's link */
        PASSTHROUGH_LINK_DISABLE, /* down */
};

struct passthrough_vlan {
        uint16_t id;              /* 0 .. 4095; 0: untagged */
        uint8_t qos;              /* 0 .. 7 */
        uint16_t proto;           /* PASSTHROUGH_VLAN_8021Q or _8021AD */
};

struct passthrough_rate {
        uint32_t min, max;        /* Mbit/s; 0: no limit */
};

/* One request for VFs. Each has_* says the value was given; a count of 0
 * means "not given" (1). */
struct passthrough_vf {
        char pool[PASSTHROUGH_POOL_MAX]; /* "": no VF asked */
        unsigned count;
        size_t n_names;                  /* 0 or count: one per VF */
        char names[PASSTHROUGH_VF_MAX][IF_NAMESIZE];
        size_t n_macs;                   /* 0 or count: one per VF */
        uint8_t macs[PASSTHROUGH_VF_MAX][6];
        bool has_vlan, has_rate, has_trust, has_spoofchk, has_link_state, has_up;
        struct passthrough_vlan vlan;
        struct passthrough_rate rate;
        bool trust, spoofchk, up;
        enum passthrough_link_state link_state;
};

struct passthrough {
        bool has_vf;
        struct passthrough_vf vf;
        struct policy_pos pos;           /* of the section */
};

/* Value parsers, the syntax policy files and annotations share (docs/
 * policy-format.md). Each returns 0, or -EINVAL with *ret_why set to a static
 * reason (what was expected), and sets *ret only on success. */
int passthrough_parse_count(const char *text, unsigned *ret, const char **ret_why);        /* "1" .. "16" */
int passthrough_parse_name(const char *text, char ret[IF_NAMESIZE], const char **ret_why); /* "eth1" */
int passthrough_parse_mac(const char *text, uint8_t ret[6], const char **ret_why);        /* "02:00:5e:10:00:01" */
/* "ID", "ID:qos=N", "ID:proto=802.1ad", "ID:qos=N:proto=802.1Q". */
int passthrough_parse_vlan(const char *text, struct passthrough_vlan *ret, const char **ret_why);
/* "max=N", "min=N", "min=N:max=N" (Mbit/s; a max below the min is refused). */
int passthrough_parse_rate(const char *text, struct passthrough_rate *ret, const char **ret_why);
int passthrough_parse_link_state(const char *text, enum passthrough_link_state *ret, const char **ret_why);
int passthrough_parse_bool(const char *text, bool *ret, const char **ret_why);             /* "true", "false" */
/* The |i|th item (i < PASSTHROUGH_VF_MAX) of a per-VF list, into vf->names[i]
 * or vf->macs[i]; a MAC given for an earlier VF is refused. */
int passthrough_parse_name_item(const char *text, size_t i, struct passthrough_vf *vf, const char **ret_why);
int passthrough_parse_mac_item(const char *text, size_t i, struct passthrough_vf *vf, const char **ret_why);

/* The canonical text of a value, for messages and for comparing requests. */
void passthrough_format_mac(const uint8_t mac[6], char buf[18]);
void passthrough_format_vlan(const struct passthrough_vlan *v, char *buf, size_t size);
void passthrough_format_rate(const struct passthrough_rate *r, char *buf, size_t size);
const char *passthrough_link_state_name(enum passthrough_link_state s);

struct yaml_ctx;
struct yaml_field;

/* Parses the policy's `passthrough:` mapping (field |f|, |fb| the fallback
 * position) into a new *ret (free()), reporting every mistake at its
 * line:column through |c|. 0, -EINVAL (reported), -ENOMEM. */
int passthrough_parse_section(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb,
                              struct passthrough **ret);
