/* The fd keeper's wire: SOCK_SEQPACKET messages of a short text header and up
 * to KEEPER_WIRE_MAX_FDS fds (SCM_RIGHTS). Shared by the keeper (keeper.c) and
 * its client in the daemon (fd_store.c).
 *
 * daemon -> keeper: "PUT name" + 1 fd, "DEL name", "GET", "READY", "STOP".
 * keeper -> daemon: "FDS\nname\nname..." + one fd per name, "END", "TAKEN". */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Fds per message (SCM_MAX_FD is 253; smaller batches keep messages small). */
#define KEEPER_WIRE_MAX_FDS 64
/* A stored fd's name: printable ASCII, no blanks or newlines. */
#define KEEPER_NAME_MAX 63
#define KEEPER_WIRE_MAX_MESSAGE (8 + KEEPER_WIRE_MAX_FDS * (KEEPER_NAME_MAX + 1))

/* Sends one message with |n_fds| fds (not taken). 0 or -errno. Does not log. */
int keeper_wire_send(int sock, const char *msg, size_t len, const int *fds, size_t n_fds);

/* Receives one message into buf (NUL-terminated; |size| includes the NUL) and
 * its fds (close-on-exec) into fds[]. Returns the message length, 0 at EOF,
 * -EAGAIN when nothing is queued (|nonblock|), -EBADMSG for a truncated message
 * or more fds than |max_fds| (every fd received is closed then), or -errno.
 * Does not log. */
int keeper_wire_recv(int sock, bool nonblock, char *buf, size_t size, int *fds, size_t max_fds,
                     size_t *ret_n_fds);

/* Whether |name| may name a stored fd. */
bool keeper_name_valid(const char *name, size_t len);
