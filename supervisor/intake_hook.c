/* OCI hook intake: the container's record from the state a runtime gives its
 * hooks, made before the container runs anything and ended at poststop. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "supervisor/daemon.h"
#include "supervisor/devices/devices.h"
#include "supervisor/intake_hook.h"
#include "supervisor/oci_state.h"
#include "supervisor/registry.h"

static int parse(const char *json, struct oci_state **ret, char *errbuf, size_t errlen)
{
        char reason[256] = "";
        int r;

        if (json[0] == '\0') {
                snprintf(errbuf, errlen, "expected the container's OCI state (JSON) after the command");
                return -EINVAL;
        }
        r = oci_state_parse_state(json, strlen(json), ret, reason, sizeof(reason));
        if (r < 0)
                snprintf(errbuf, errlen, "invalid container state: %s", reason[0] ? reason : strerror(-r));
        return r;
}

static void explain_register(int r, const struct oci_state *s, char *errbuf, size_t errlen)
{
        if (r == -EEXIST)
                snprintf(errbuf, errlen, "container %s is already registered with another live init", s->id);
        else if (r == -ESRCH)
                snprintf(errbuf, errlen, "container %s: pid %d does not exist", s->id, (int) s->init_pid);
        else
                snprintf(errbuf, errlen, "container %s: cannot register: %s", s->id, strerror(-r));
}

int intake_hook_register(struct daemon *d, const char *json, struct container **ret, char *errbuf,
                         size_t errlen)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        struct container_info info = { 0 };
        struct container *c;
        int r;

        r = parse(json, &s, errbuf, errlen);
        if (r < 0)
                return log_warning_errno(r, "hook: refused a registration: %s", errbuf);
        if (s->init_pid <= 0) {
                snprintf(errbuf, errlen, "container %s: the state has no pid (register at createRuntime)", s->id);
                return log_warning_errno(-EINVAL, "hook: refused a registration: %s", errbuf);
        }
        info.id = s->id;
        info.init_pid = s->init_pid;
        info.bundle = s->bundle;
        r = registry_register(d, &info, &s, &c);
        if (r < 0) {
                explain_register(r, s, errbuf, errlen);
                return log_warning_errno(r, "hook: refused a registration: %s", errbuf);
        }
        /* The record exists, its init is alive, and nothing of the container's
         * own has run yet (createRuntime): the time to pass its VFs in. */
        r = devices_on_register(d, c, errbuf, errlen);
        if (r < 0) {
                (void) registry_unregister(d, c->id, c->init_pid);
                return r;
        }
        log_info("container %s: registered by a hook (init pid %d, bundle %s, cgroup %s)", c->id,
                 (int) c->init_pid, c->bundle ? c->bundle : "-", c->cgroup2 ? c->cgroup2 : "-");
        *ret = c;
        return 0;
}

int intake_hook_unregister(struct daemon *d, const char *json, char *errbuf, size_t errlen)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        int r;

        r = parse(json, &s, errbuf, errlen);
        if (r < 0)
                return log_warning_errno(r, "hook: refused an unregistration: %s", errbuf);
        r = registry_unregister(d, s->id, s->init_pid);
        if (r == -ESRCH) {
                snprintf(errbuf, errlen, "container %s: pid %d is not its live init", s->id, (int) s->init_pid);
                return log_warning_errno(r, "hook: refused an unregistration: %s", errbuf);
        }
        if (r > 0)
                log_info("container %s: unregistered by a hook", s->id);
        else
                log_info("container %s: unregister: no hook registration (already ended)", s->id);
        return r;
}
