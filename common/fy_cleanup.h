/* Cleanup functions for libfyaml's objects, for _cleanup_() (common/macro.h). */
#pragma once

#include <libfyaml.h>

static inline void fy_document_destroyp(struct fy_document **p)
{
        if (*p)
                fy_document_destroy(*p);
}

static inline void fy_diag_destroyp(struct fy_diag **p)
{
        if (*p)
                fy_diag_destroy(*p);
}

static inline void fy_parser_destroyp(struct fy_parser **p)
{
        if (*p)
                fy_parser_destroy(*p);
}
