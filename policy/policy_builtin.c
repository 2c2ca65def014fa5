/* The built-in fallback policy: the shipped default.yaml, parsed like any file. */
#include "policy/builtin.h"

int policy_builtin_default(uint32_t arch, struct policy **ret, struct policy_diags *diags)
{
        size_t len;
        const char *text = policy_builtin_default_text(&len);

        return policy_parse(text, len, POLICY_BUILTIN_FILE, arch, ret, diags);
}
