/* Asking the control socket's reply builder directly and reading its JSON, for
 * tests of control commands. Include after tests/unit/harness.h. */
#pragma once

#include <string.h>

#include <libfyaml.h>

#include "supervisor/control.h"
#include "supervisor/control_reply.h"

static inline struct fy_document *parse(const char *json)
{
        static const struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_JSON_FORCE };

        return fy_document_build_from_string(&cfg, json, FY_NT);
}

/* The scalar at |path| ("/containers/0/id"), or NULL. */
static inline const char *at(struct fy_document *doc, const char *path)
{
        struct fy_node *n = fy_node_by_path(fy_document_root(doc), path, FY_NT, FYNWF_DONT_FOLLOW);

        return n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
}

/* Asks for |request| and parses the answer; the JSON text stays in *ret_json. */
static inline struct fy_document *ask(struct daemon *d, const char *request, char **ret_json)
{
        struct fy_document *doc;

        ASSERT_EQ(control_reply(d, request, strlen(request), ret_json), 0);
        doc = parse(*ret_json);
        if (!doc)
                fprintf(stderr, "# unparsable reply: %s\n", *ret_json);
        ASSERT_TRUE(doc);
        return doc;
}
