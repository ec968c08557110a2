/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Fuzz target: stored record decoding (a damaged or hostile store file):
 * the first byte picks the record type.
 */

#include <stdint.h>
#include <string.h>

#include "ac_model.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ac_api_t          a;
    ac_key_t          k;
    ac_cred_t         c;
    ac_node_t         n;
    ac_cred_view_t    v;
    ac_grant_view_t   g;
    const uint8_t    *pos;

    if (size == 0) {
        return 0;
    }

    switch (data[0] % 4) {

    case 0:
        if (ac_cred_decode(data + 1, size - 1, &c) == AC_OK) {
            ac_cred_free(&c);
        }

        if (ac_cred_view(data + 1, size - 1, &v) == AC_OK) {
            pos = v.grants;
            while (ac_grant_next(&v, &pos, &g)) {
                if (g.nids > 0) {
                    (void) ac_grant_id(&g, g.nids - 1);
                }
            }
        }
        break;

    case 1:
        (void) ac_api_decode(data + 1, size - 1, &a);
        break;

    case 2:
        (void) ac_node_decode(1, data + 1, size - 1, &n);
        break;

    default:
        (void) ac_key_decode(data + 1, size - 1, &k);
    }

    return 0;
}
