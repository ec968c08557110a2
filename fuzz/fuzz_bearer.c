/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Fuzz target: the Authorization header parser and the b64token check.
 */

#include <stddef.h>
#include <stdint.h>

#include "ac_token.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ac_str_t  token;

    if (ac_bearer_parse((const char *) data, size, &token) == AC_OK) {
        if (token.data < (const char *) data
            || token.data + token.len != (const char *) data + size)
        {
            __builtin_trap();
        }

        (void) ac_b64token_valid(token.data, token.len);
    }

    return 0;
}
