/* A VF's settings through its PF (MAC, VLAN, rate, trust, spoofchk, link
 * state) around a passthrough: what the container asks is set before its
 * netdev moves, read back and checked, and what was there before is kept in
 * the allocation record (written before anything changes, so a crash loses
 * nothing) and restored at release. */
#pragma once

#include <net/if.h>
#include <stddef.h>

#include "supervisor/devices/vf_netdev.h"
#include "supervisor/devices/vf_table.h"

/* What a passthrough changed of one VF, with the values from before. */
struct vf_saved {
        char pf_ifname[IF_NAMESIZE];  /* "": nothing changed */
        struct vf_config orig;        /* orig.vf: its index; each set_*: changed, and the value before */
};

/* Which step failed: the errno alone cannot say (-EOPNOTSUPP from the read,
 * from a PF without the VF, or from the driver refusing a setting). */
enum vf_settings_step {
        VF_SETTINGS_DONE,
        VF_SETTINGS_READ,     /* RTM_GETLINK of the PF with RTEXT_FILTER_VF */
        VF_SETTINGS_NO_VF,    /* the PF's table lacks the VF: nothing to restore later, so nothing set */
        VF_SETTINGS_RECORD,   /* writing the originals into the allocation record */
        VF_SETTINGS_SET,      /* RTM_SETLINK of the PF with IFLA_VFINFO_LIST */
        VF_SETTINGS_CHECK,    /* the table read back differs from what was set */
};
const char *vf_settings_step_name(enum vf_settings_step s);

/* Pure: the originals of what |want| changes, as |e| reports them. */
void vf_settings_originals(const struct vf_config *want, const struct vf_table_entry *e, struct vf_config *ret);
/* Pure: whether |e| (read back) holds what |want| set: MAC, VLAN, and trust,
 * spoofchk and link state when the PF reports them; not the rate, which a
 * driver may round to what its hardware can do. 0, or -EIO with the first
 * difference in |what|. */
int vf_settings_check(const struct vf_config *want, const struct vf_table_entry *e, char *what, size_t size);

/* Persists |saved| (the caller's allocation record); 0 or -errno. */
typedef int (*vf_settings_record_fn)(const struct vf_saved *saved, void *userdata);

/* Sets |want| on VF want->vf of |pf_ifname| through |nd|: reads the PF's
 * table, records the originals (|record|), sets, reads back and checks. 3
 * round trips. All or nothing: after a failed set or check the originals are
 * set back (one more). On success *ret_saved says what to restore. 0 or
 * -errno with *ret_step and, for a failed check or a missing VF, |what|
 * filled (the setting that differs; how many VFs the PF lists). Does not log. */
int vf_settings_apply(struct vf_netdev *nd, const char *pf_ifname, const struct vf_config *want,
                      vf_settings_record_fn record, void *userdata, struct vf_saved *ret_saved,
                      enum vf_settings_step *ret_step, char *what, size_t size);

/* Sets the originals in |saved| back (2 round trips; none when nothing was
 * changed). 0 or -errno; does not log. */
int vf_settings_restore(struct vf_netdev *nd, const struct vf_saved *saved);

/* The allocation record's lines for |s| ("saved_*=...\n", none when nothing
 * changed) into buf: the length (snprintf), -EINVAL for a name with a newline. */
int vf_saved_format(const struct vf_saved *s, char *buf, size_t size);
/* One record line: 1 when |key| is one of ours (parsed into |s|), 0 when not,
 * -EINVAL for a bad value. */
int vf_saved_parse_line(const char *key, const char *value, struct vf_saved *s);
