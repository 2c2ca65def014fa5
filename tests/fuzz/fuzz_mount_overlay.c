/* Fuzzes overlayfs's data parser: the string is the container's own mount(2)
 * data. Checks what the daemon relies on after a success: the layer count
 * within the limit, every path non-empty and inside the parser's buffer, and
 * one bare layer key in helper_data per layer, in order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emulators/mount_overlay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const struct mount_overlay_opts *o, const char *p)
{
        if (p < o->buf || p >= o->buf + sizeof(o->buf) || p[0] == '\0')
                abort();
}

/* The number of items of helper_data equal to |key|. */
static size_t count_items(const char *list, const char *key)
{
        size_t n = 0, len = strlen(key);

        for (const char *p = list; p; p = strchr(p, ',')) {
                if (*p == ',')
                        p++;
                if (strncmp(p, key, len) == 0 && (p[len] == ',' || p[len] == '\0'))
                        n++;
        }
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct mount_overlay_opts *o = malloc(sizeof(*o));
        /* As the daemon reads it: one page at most, NUL-terminated. */
        size_t n = size < MOUNT_DATA_MAX - 1 ? size : MOUNT_DATA_MAX - 1;
        char text[MOUNT_DATA_MAX];

        if (!o)
                return 0;
        memcpy(text, data, n);
        text[n] = '\0';
        if (mount_overlay_parse(text, o) == 0) {
                if (o->n_lower > MOUNT_OVERLAY_MAX_LOWER || !memchr(o->helper_data, '\0', sizeof(o->helper_data)))
                        abort();
                for (size_t i = 0; i < o->n_lower; i++)
                        check_path(o, o->lower[i]);
                if (o->upper)
                        check_path(o, o->upper);
                if (o->work)
                        check_path(o, o->work);
                if (count_items(o->helper_data, "lowerdir+") != o->n_lower ||
                    count_items(o->helper_data, "upperdir") != (o->upper ? 1U : 0U) ||
                    count_items(o->helper_data, "workdir") != (o->work ? 1U : 0U) ||
                    !strstr(o->helper_data, "redirect_dir=nofollow") || !strstr(o->helper_data, "metacopy=off"))
                        abort();
        }
        free(o);
        return 0;
}
