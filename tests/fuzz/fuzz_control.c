/* Fuzzes the control protocol's request line (supervisor/control_request.c):
 * bytes any local root client may send, fed as they might arrive (the first
 * byte picks the chunk size), framed, then split. Checks what the daemon relies
 * on: a line never runs past what arrived nor holds a newline, and the command
 * and arguments lie inside it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/control_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_parse(const char *line, size_t len)
{
        struct control_request r;

        if (control_request_parse(line, len, &r) < 0)
                return;
        if (r.command < line || r.command_len == 0 || r.command + r.command_len > line + len)
                abort();
        if (r.args < r.command + r.command_len || r.args + r.args_len != line + len)
                abort();
        if (memchr(r.command, ' ', r.command_len) || memchr(r.command, '\t', r.command_len))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t chunk, len = 0, line_len = 0;
        const char *buf;
        int r = 0;

        if (size == 0)
                return 0;
        chunk = (size_t) data[0] + 1;
        buf = (const char *) data + 1;
        size--;
        /* As conn_read() calls it: after each chunk, scanning only the new bytes. */
        while (r == 0) {
                size_t from = len;
                bool eof = len == size;

                len = len + chunk < size ? len + chunk : size;
                r = control_request_frame(buf, len, from, eof, &line_len);
        }
        if (r < 0)
                return 0;
        if (line_len > len || line_len > CONTROL_MAX_REQUEST || memchr(buf, '\n', line_len))
                abort();
        check_parse(buf, line_len);
        return 0;
}
