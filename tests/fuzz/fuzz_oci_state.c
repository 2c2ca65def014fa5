/* Fuzzes the ContainerProcessState parser (bytes from any local root process)
 * and the plain OCI state parser of the hooks' register/unregister requests,
 * and writes back each plain state that parses: it must parse again. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "supervisor/oci_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void process_state(const uint8_t *data, size_t size)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        char err[256], value[64];

        if (oci_state_parse((const char *) data, size, &s, err, sizeof(err)) < 0)
                return;
        (void) oci_state_fd_index(s, "seccompFd");
        (void) oci_state_annotation(s, "org.seccompd.policy");
        (void) oci_state_metadata_get(s, "policy", value, sizeof(value));
}

static void plain_state(const uint8_t *data, size_t size)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL, *back = NULL;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        char err[256];
        FILE *f;

        if (oci_state_parse_state((const char *) data, size, &s, err, sizeof(err)) < 0)
                return;
        f = open_memstream(&text, &len);
        if (!f)
                return;
        if (oci_state_write_state(s, f) < 0 || fclose(f) != 0)
                abort();
        if (oci_state_parse_state(text, len, &back, err, sizeof(err)) < 0)
                abort(); /* what we write, we must read */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        process_state(data, size);
        plain_state(data, size);
        return 0;
}
