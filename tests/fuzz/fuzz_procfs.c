/* Fuzzes the parsers of /proc and cgroupfs text that sysinfo emulation reads:
 * a container names its own cgroups (inside a cgroup namespace) and its own
 * comm, so the kernel hands us text partly chosen by the container. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emulators/cgroup_parse.h"
#include "emulators/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1), path[4096];
        struct cgroup_mount m;
        struct cgroup_memstat ms;
        uint64_t v;

        if (!text)
                return 0;
        /* The parsers take NUL-terminated text, as read_file_bounded gives them. */
        memcpy(text, data, size);
        text[size] = '\0';
        (void) cgroup_parse_mountinfo_line(text, "memory", &m);
        (void) cgroup_parse_mountinfo_line(text, NULL, &m);
        (void) cgroup_parse_proc(text, "memory", path, sizeof(path));
        (void) cgroup_parse_proc(text, NULL, path, sizeof(path));
        (void) cgroup_parse_value(text, &v);
        (void) cgroup_parse_memstat(text, &ms);
        (void) procfs_parse_starttime(text, &v);
        free(text);
        return 0;
}
