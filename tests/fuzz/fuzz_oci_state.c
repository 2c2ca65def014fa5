/* Fuzzes the ContainerProcessState parser: bytes from any local root process. */
#include <stddef.h>
#include <stdint.h>

#include "supervisor/oci_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        char err[256], value[64];

        if (oci_state_parse((const char *) data, size, &s, err, sizeof(err)) < 0)
                return 0;
        (void) oci_state_fd_index(s, "seccompFd");
        (void) oci_state_annotation(s, "org.seccompd.policy");
        (void) oci_state_metadata_get(s, "policy", value, sizeof(value));
        return 0;
}
