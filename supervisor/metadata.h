/* The key=value text a runtime passes with a container's notifications: OCI
 * listenerMetadata and LXC's lxc.seccomp.notify.cookie share one syntax,
 * space- or comma-separated pairs ("policy=nested-containers"). Pure. */
#pragma once

#include <stddef.h>

/* Copies the value of |key| in |text| (NULL reads as empty) to buf. 0, -ENOENT
 * if absent, -ENAMETOOLONG if it does not fit. The first pair with the key wins. */
int metadata_get(const char *text, const char *key, char *buf, size_t size);

/* 0 when every token of |text| is key=value with a non-empty key (an empty text
 * has none), else -EINVAL. Intakes that treat the text as an identity (LXC's
 * cookie) refuse what does not parse rather than guess. */
int metadata_check(const char *text);
