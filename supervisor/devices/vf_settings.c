/* VF settings through the PF around a passthrough (vf_settings.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "supervisor/devices/vf_settings.h"

const char *vf_settings_step_name(enum vf_settings_step s)
{
        static const char *const names[] = {
                [VF_SETTINGS_DONE] = "done",
                [VF_SETTINGS_READ] = "cannot read its VF table",
                [VF_SETTINGS_NO_VF] = "does not list the VF in its VF table, so its settings cannot be kept to restore",
                [VF_SETTINGS_RECORD] = "cannot record the VF's settings before changing them",
                [VF_SETTINGS_SET] = "cannot set VF settings",
                [VF_SETTINGS_CHECK] = "reads back other VF settings than it was given",
        };

        return (size_t) s < ARRAY_SIZE(names) && names[s] ? names[s] : "unknown step";
}

void vf_settings_originals(const struct vf_config *want, const struct vf_table_entry *e, struct vf_config *ret)
{
        *ret = (struct vf_config) {
                .vf = want->vf,
                .set_mac = want->set_mac,
                .set_vlan = want->set_vlan, .vlan = e->vlan, .qos = e->qos, .vlan_proto = e->vlan_proto,
                .set_trust = want->set_trust, .trust = e->trust,
                .set_spoofchk = want->set_spoofchk, .spoofchk = e->spoofchk,
                .set_rate = want->set_rate, .min_tx_rate = e->min_tx_rate, .max_tx_rate = e->max_tx_rate,
                .set_link_state = want->set_link_state, .link_state = e->link_state,
        };
        memcpy(ret->mac, e->mac, sizeof(ret->mac));
}

static int differs(char *what, size_t size, const char *setting)
{
        snprintf(what, size, "%s", setting);
        return -EIO;
}

int vf_settings_check(const struct vf_config *want, const struct vf_table_entry *e, char *what, size_t size)
{
        uint16_t proto = want->vlan_proto ? want->vlan_proto : 0x8100;

        if (want->set_mac && memcmp(want->mac, e->mac, sizeof(e->mac)) != 0)
                return differs(what, size, "MAC");
        if (want->set_vlan && (want->vlan != e->vlan || want->qos != e->qos || (want->vlan && proto != e->vlan_proto)))
                return differs(what, size, "VLAN");
        if (want->set_trust && e->has_trust && want->trust != e->trust)
                return differs(what, size, "trust");
        if (want->set_spoofchk && e->has_spoofchk && want->spoofchk != e->spoofchk)
                return differs(what, size, "spoofchk");
        if (want->set_link_state && e->has_link_state && want->link_state != e->link_state)
                return differs(what, size, "link state");
        return 0;
}

static int fail(enum vf_settings_step step, int r, enum vf_settings_step *ret_step)
{
        *ret_step = step;
        return r;
}

/* The VF's entry in a fresh read of the PF's table: its copy in *ret; 1
 * when the table lacks it (|what| says how many it lists). */
static int read_entry(struct vf_netdev *nd, const char *pf_ifname, uint32_t vf, int *ret_ifindex,
                      struct vf_table_entry *ret, char *what, size_t size)
{
        _cleanup_(vf_table_clear) struct vf_table t = { 0 };
        const struct vf_table_entry *e;
        int r = vf_netdev_read_vf_table(nd, pf_ifname, &t);

        if (r < 0)
                return r;
        e = vf_table_find(&t, vf);
        if (!e) {
                snprintf(what, size, "it lists %zu VFs", t.n);
                return 1;
        }
        *ret = *e;
        *ret_ifindex = t.ifindex;
        return 0;
}

/* After a failed set or check: back to the originals, whatever did take. */
static int undo(struct vf_netdev *nd, int ifindex, const struct vf_saved *saved, int r)
{
        (void) vf_netdev_set_vf_at(nd, ifindex, &saved->orig);
        return r;
}

int vf_settings_apply(struct vf_netdev *nd, const char *pf_ifname, const struct vf_config *want,
                      vf_settings_record_fn record, void *userdata, struct vf_saved *ret_saved,
                      enum vf_settings_step *ret_step, char *what, size_t size)
{
        struct vf_saved saved = { 0 };
        struct vf_table_entry e;
        int ifindex = 0, r;

        if (strlen(pf_ifname) >= sizeof(saved.pf_ifname) || !pf_ifname[0])
                return fail(VF_SETTINGS_READ, -EINVAL, ret_step);
        r = read_entry(nd, pf_ifname, want->vf, &ifindex, &e, what, size);
        if (r < 0)
                return fail(VF_SETTINGS_READ, r, ret_step);
        if (r > 0)
                return fail(VF_SETTINGS_NO_VF, -EOPNOTSUPP, ret_step);
        snprintf(saved.pf_ifname, sizeof(saved.pf_ifname), "%s", pf_ifname);
        vf_settings_originals(want, &e, &saved.orig);
        r = record(&saved, userdata);
        if (r < 0)
                return fail(VF_SETTINGS_RECORD, r, ret_step);
        r = vf_netdev_set_vf_at(nd, ifindex, want);
        if (r < 0)
                return fail(VF_SETTINGS_SET, undo(nd, ifindex, &saved, r), ret_step);
        r = read_entry(nd, pf_ifname, want->vf, &ifindex, &e, what, size);
        if (r != 0)
                return fail(VF_SETTINGS_READ, undo(nd, ifindex, &saved, r < 0 ? r : -ENODEV), ret_step);
        r = vf_settings_check(want, &e, what, size);
        if (r < 0)
                return fail(VF_SETTINGS_CHECK, undo(nd, ifindex, &saved, r), ret_step);
        *ret_saved = saved;
        return fail(VF_SETTINGS_DONE, 0, ret_step);
}

int vf_settings_restore(struct vf_netdev *nd, const struct vf_saved *saved)
{
        if (!saved->pf_ifname[0] || !vf_config_any(&saved->orig))
                return 0;
        return vf_netdev_set_vf(nd, saved->pf_ifname, &saved->orig);
}

/* ---- in the allocation record ---- */

int vf_saved_format(const struct vf_saved *s, char *buf, size_t size)
{
        const struct vf_config *o = &s->orig;
        size_t n = 0;

#define OUT(...) \
        n += (size_t) snprintf(buf + (n < size ? n : size), size - (n < size ? n : size), __VA_ARGS__)
        if (!s->pf_ifname[0])
                return snprintf(buf, size, "%s", "");
        if (strchr(s->pf_ifname, '\n'))
                return -EINVAL;
        OUT("saved_pf=%s\nsaved_vf=%" PRIu32 "\n", s->pf_ifname, o->vf);
        if (o->set_mac)
                OUT("saved_mac=%02x:%02x:%02x:%02x:%02x:%02x\n", o->mac[0], o->mac[1], o->mac[2], o->mac[3],
                    o->mac[4], o->mac[5]);
        if (o->set_vlan)
                OUT("saved_vlan=%u:%u:%#x\n", o->vlan, o->qos, o->vlan_proto);
        if (o->set_rate)
                OUT("saved_rate=%" PRIu32 ":%" PRIu32 "\n", o->min_tx_rate, o->max_tx_rate);
        if (o->set_trust)
                OUT("saved_trust=%d\n", o->trust);
        if (o->set_spoofchk)
                OUT("saved_spoofchk=%d\n", o->spoofchk);
        if (o->set_link_state)
                OUT("saved_link_state=%" PRIu32 "\n", o->link_state);
#undef OUT
        return (int) n;
}

/* sscanf() with |fmt| ending in %n: the whole value, nothing after. */
#define SCAN_ALL(value, fmt, count, ...) \
        __extension__({ \
                int end_ = -1; \
                sscanf((value), fmt "%n", __VA_ARGS__, &end_) == (count) && end_ >= 0 && (value)[end_] == '\0'; \
        })

static int parse_flag(const char *value, bool *ret)
{
        if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
                return -EINVAL;
        *ret = value[0] == '1';
        return 1;
}

static int parse_mac_line(const char *value, struct vf_config *o)
{
        unsigned b[6];

        if (strlen(value) != 17 || !SCAN_ALL(value, "%2x:%2x:%2x:%2x:%2x:%2x", 6, &b[0], &b[1], &b[2], &b[3], &b[4],
                                             &b[5]))
                return -EINVAL;
        for (size_t i = 0; i < 6; i++)
                o->mac[i] = (uint8_t) b[i];
        o->set_mac = true;
        return 1;
}

static int parse_vlan_line(const char *value, struct vf_config *o)
{
        unsigned vlan, qos, proto;

        if (!SCAN_ALL(value, "%u:%u:%x", 3, &vlan, &qos, &proto) || vlan > 4095 || qos > 7 || proto > 0xffff)
                return -EINVAL;
        o->set_vlan = true;
        o->vlan = (uint16_t) vlan;
        o->qos = (uint16_t) qos;
        o->vlan_proto = (uint16_t) proto;
        return 1;
}

int vf_saved_parse_line(const char *key, const char *value, struct vf_saved *s)
{
        struct vf_config *o = &s->orig;

        if (strcmp(key, "saved_pf") == 0) {
                if (!value[0] || strlen(value) >= sizeof(s->pf_ifname))
                        return -EINVAL;
                snprintf(s->pf_ifname, sizeof(s->pf_ifname), "%s", value);
                return 1;
        }
        if (strcmp(key, "saved_vf") == 0)
                return SCAN_ALL(value, "%" SCNu32, 1, &o->vf) ? 1 : -EINVAL;
        if (strcmp(key, "saved_mac") == 0)
                return parse_mac_line(value, o);
        if (strcmp(key, "saved_vlan") == 0)
                return parse_vlan_line(value, o);
        if (strcmp(key, "saved_rate") == 0)
                return (o->set_rate = SCAN_ALL(value, "%" SCNu32 ":%" SCNu32, 2, &o->min_tx_rate, &o->max_tx_rate))
                               ? 1
                               : -EINVAL;
        if (strcmp(key, "saved_trust") == 0) {
                o->set_trust = true;
                return parse_flag(value, &o->trust);
        }
        if (strcmp(key, "saved_spoofchk") == 0) {
                o->set_spoofchk = true;
                return parse_flag(value, &o->spoofchk);
        }
        if (strcmp(key, "saved_link_state") == 0)
                return (o->set_link_state = SCAN_ALL(value, "%" SCNu32, 1, &o->link_state)) ? 1 : -EINVAL;
        return 0;
}
