/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Fuzz target: the token request body (first byte: 'J' JSON, else form)
 * and client_secret_basic credentials (first byte 'B').
 */

#include <stdint.h>
#include <string.h>

#include "ac_oauth.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char          *desc;
    ac_token_request_t   req;

    if (size == 0) {
        return 0;
    }

    memset(&req, 0, sizeof(req));

    if (data[0] == 'B') {
        (void) ac_token_request_basic((const char *) data + 1, size - 1, &req,
                                      &desc);
        return 0;
    }

    (void) ac_token_request_parse(data[0] == 'J', (const char *) data + 1,
                                  size - 1, &req, &desc);

    return 0;
}
