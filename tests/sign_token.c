/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Test helper: signs any header and payload bytes with a store's active
 * Ed25519 key, so that tests can show that a validly signed but hostile
 * token (alg none, duplicate claims, exp as a string...) is still refused.
 */

#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "ac_secret.h"
#include "ac_store.h"


int
main(int argc, char **argv)
{
    char         out[3 * 65536];
    size_t       n;
    MDB_txn     *txn;
    ac_key_t     key;
    ac_store_t   s;
    uint8_t      sig[crypto_sign_BYTES];

    if (argc != 4) {
        fprintf(stderr, "usage: sign_token STORE HEADER PAYLOAD\n");
        return 1;
    }

    if (ac_crypto_init() != AC_OK
        || ac_store_open(&s, argv[1], AC_STORE_RDONLY, 0) != AC_OK
        || ac_txn_begin(&s, 0, &txn) != AC_OK
        || ac_key_active(&s, txn, &key) != AC_OK)
    {
        fprintf(stderr, "sign_token: no key in %s\n", argv[1]);
        return 3;
    }

    if (strlen(argv[2]) + strlen(argv[3]) > 65536) {
        return 1;
    }

    ac_b64url_encode((uint8_t *) argv[2], strlen(argv[2]), out, sizeof(out));
    n = strlen(out);
    out[n++] = '.';
    ac_b64url_encode((uint8_t *) argv[3], strlen(argv[3]), out + n,
                     sizeof(out) - n);
    n += strlen(out + n);

    crypto_sign_detached(sig, NULL, (uint8_t *) out, n, key.sk);
    out[n++] = '.';
    ac_b64url_encode(sig, sizeof(sig), out + n, sizeof(out) - n);

    puts(out);

    return 0;
}
