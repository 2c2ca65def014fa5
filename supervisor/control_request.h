/* The control protocol's request, parsed without I/O: where a request line ends
 * in the bytes received so far, and its command word and arguments. Pure code,
 * shared by the control socket, its unit tests and fuzz_control. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Bytes of one request line, newline excluded. */
#define CONTROL_MAX_REQUEST 65536

/* Where the request ends in the |len| bytes received so far (|eof|: the client
 * sent all it will); the first |from| of them are known to hold no newline, so
 * a client sending a byte at a time costs no rescans. 1 with *ret_line_len (the bytes before the first newline,
 * or all of them at EOF) when complete; 0 while more is to come; -EMSGSIZE once
 * CONTROL_MAX_REQUEST bytes hold no newline (a longer line can never be
 * served); -ECONNRESET for EOF before any byte. Does not log. */
int control_request_frame(const char *buf, size_t len, size_t from, bool eof, size_t *ret_line_len);

struct control_request {
        const char *command;  /* points into the line; not NUL-terminated */
        size_t command_len;
        const char *args;     /* the rest after blanks; NUL-terminated when the line is */
        size_t args_len;
};

/* Splits a complete line of |len| bytes into its command word and arguments,
 * blanks (space, tab, CR) around the word skipped. 0, or -EBADMSG for a NUL
 * byte in the line (a C string would silently end there: "ping\0reload" is not
 * "ping"), -ENOMSG for a line of blanks only. *ret is set only on success. */
int control_request_parse(const char *line, size_t len, struct control_request *ret);

/* Whether the request's command is |name|. */
bool control_request_is(const struct control_request *r, const char *name);
