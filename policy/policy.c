/* First-match evaluation of a request against a policy's rules. */
#include <stdbool.h>
#include <sys/stat.h>

#include "policy/policy.h"

static bool dev_matches(const struct policy_rule *rule, const struct request *req)
{
        if (rule->n_devs == 0)
                return true;
        for (size_t i = 0; i < rule->n_devs; i++) {
                const struct policy_dev *d = &rule->devs[i];

                if ((d->major == POLICY_ANY || d->major == req->dev_major) &&
                    (d->minor == POLICY_ANY || d->minor == req->dev_minor))
                        return true;
        }
        return false;
}

/* mknod with no type bits creates a regular file, as the kernel does. */
static uint32_t mknod_file_type(uint32_t mode)
{
        uint32_t type = mode & S_IFMT;

        return type == 0 ? S_IFREG : type;
}

static bool rule_matches(const struct policy_rule *rule, const struct request *req)
{
        if (req->sysid == SYSID_UNKNOWN || !(rule->sysids & (1U << req->sysid)))
                return false;
        if (req->sysid == SYSID_MKNOD || req->sysid == SYSID_MKNODAT) {
                uint32_t type = mknod_file_type(req->mode);

                if (rule->file_types && !(rule->file_types & POLICY_FILE_TYPE(type)))
                        return false;
                /* Devices only make sense for device nodes: a dev list never matches a FIFO. */
                if (rule->n_devs && type != S_IFCHR && type != S_IFBLK)
                        return false;
                if (!dev_matches(rule, req))
                        return false;
        }
        return true;
}

void policy_evaluate(const struct policy *p, const struct request *req, struct verdict *ret)
{
        for (size_t i = 0; i < p->n_rules; i++)
                if (rule_matches(&p->rules[i], req)) {
                        *ret = p->rules[i].action;
                        ret->rule = (int) i;
                        return;
                }
        *ret = p->dflt;
        ret->rule = -1;
}
