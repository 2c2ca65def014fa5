/* What a container asks of SR-IOV passthrough: its policy's passthrough.vf
 * (policy/passthrough.h), completed by its OCI annotations org.seccompd.vf.*.
 * The policy is the operator's word: an annotation may give what the policy
 * leaves out, but one that contradicts the policy is refused. Pure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "policy/passthrough.h"
#include "supervisor/devices/vf_netdev.h"

#define DEVICES_ANNOTATION_POOL "org.seccompd.vf.pool"
#define DEVICES_ANNOTATION_COUNT "org.seccompd.vf.count"
#define DEVICES_ANNOTATION_NAME "org.seccompd.vf.name"         /* "eth1" or "eth1,eth2": one per VF */
#define DEVICES_ANNOTATION_UP "org.seccompd.vf.up"             /* "true" (default) or "false" */
#define DEVICES_ANNOTATION_MAC "org.seccompd.vf.mac"           /* "02:00:5e:10:00:01[,...]": one per VF */
#define DEVICES_ANNOTATION_VLAN "org.seccompd.vf.vlan"         /* "100", "100:qos=3:proto=802.1ad" */
#define DEVICES_ANNOTATION_RATE "org.seccompd.vf.rate"         /* "max=1000", "min=100:max=1000" (Mbit/s) */
#define DEVICES_ANNOTATION_TRUST "org.seccompd.vf.trust"       /* "true", "false" */
#define DEVICES_ANNOTATION_SPOOFCHK "org.seccompd.vf.spoofchk" /* "true", "false" */
#define DEVICES_ANNOTATION_LINK_STATE "org.seccompd.vf.link_state" /* "auto", "enable", "disable" */

/* An annotation's value, NULL when absent. */
typedef const char *(*devices_annotation_fn)(const char *key, void *userdata);

/* Fills *ret from |policy_vf| (the container's policy's, NULL without; the
 * policy named |policy_name| in messages) and the annotations |get| gives.
 * 1 when VFs are asked (*ret has a pool, a count, one name and at most one
 * MAC per VF), 0 when none, -EINVAL with a one-line reason in errbuf (a bad
 * value, a contradiction, VF annotations without a pool). */
int devices_request_merge(const struct passthrough_vf *policy_vf, const char *policy_name, devices_annotation_fn get,
                          void *userdata, struct passthrough_vf *ret, char *errbuf, size_t errlen);

/* The PF settings VF |i| of |req| asks, for the VF with index |vf_index| on
 * its PF (vf_config_any() false when it asks none). */
void devices_request_vf_config(const struct passthrough_vf *req, size_t i, uint32_t vf_index, struct vf_config *ret);
