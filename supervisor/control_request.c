/* The control request line: framing and the command split, without I/O, so the
 * bytes any local root client sends are fuzzed on their own (fuzz_control). */
#include <errno.h>
#include <string.h>

#include "supervisor/control_request.h"

#define BLANKS " \t\r"

int control_request_frame(const char *buf, size_t len, size_t from, bool eof, size_t *ret_line_len)
{
        size_t end = len < CONTROL_MAX_REQUEST ? len : CONTROL_MAX_REQUEST;
        const char *nl = from < end ? memchr(buf + from, '\n', end - from) : NULL;

        if (nl) {
                *ret_line_len = (size_t) (nl - buf);
                return 1;
        }
        if (len >= CONTROL_MAX_REQUEST)
                return -EMSGSIZE;
        if (!eof)
                return 0;
        if (len == 0)
                return -ECONNRESET;
        *ret_line_len = len;
        return 1;
}

/* Length of the run of blanks at |s| (at most |len| bytes). */
static size_t blanks(const char *s, size_t len)
{
        size_t n = 0;

        while (n < len && strchr(BLANKS, s[n]) && s[n] != '\0')
                n++;
        return n;
}

int control_request_parse(const char *line, size_t len, struct control_request *ret)
{
        size_t start, word;

        if (memchr(line, '\0', len))
                return -EBADMSG;
        start = blanks(line, len);
        if (start == len)
                return -ENOMSG;
        for (word = start; word < len && !strchr(BLANKS, line[word]); word++)
                ;
        ret->command = line + start;
        ret->command_len = word - start;
        word += blanks(line + word, len - word);
        ret->args = line + word;
        ret->args_len = len - word;
        return 0;
}

bool control_request_is(const struct control_request *r, const char *name)
{
        return strlen(name) == r->command_len && memcmp(r->command, name, r->command_len) == 0;
}
