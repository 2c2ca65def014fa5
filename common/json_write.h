/* Writing JSON text by hand where a document builder is not worth it (one-line
 * messages, config snippets): strings quoted and escaped the one way. */
#pragma once

#include <stdio.h>

/* Writes |s| to |f| as a JSON string: quoted, with '"' and '\\' escaped and
 * control characters as \u00XX; other bytes (UTF-8) as they are. Errors stay in
 * ferror(f) for the caller's final check. */
void json_write_string(FILE *f, const char *s);
