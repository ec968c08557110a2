/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Fuzz target: the JWT verifier. Input "S" + header + "\n" + payload is
 * first signed with the target's key, so that the claims parser is reached
 * (random bytes never carry a valid Ed25519 signature); any other input is
 * verified as it is.
 */

#include <stdint.h>
#include <string.h>
#include <sodium.h>

#include "ac_secret.h"
#include "ac_token.h"


static ac_key_t  key;


static int
lookup(void *data, const char *kid, size_t len, uint8_t pk[32])
{
    if (len != strlen(key.kid) || memcmp(kid, key.kid, len) != 0) {
        return AC_ENOTFOUND;
    }

    memcpy(pk, key.pk, 32);

    return AC_OK;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char               tok[3 * AC_TOKEN_MAX];
    size_t             n;
    uint8_t            sig[crypto_sign_BYTES];
    const char        *reason;
    const uint8_t     *nl;
    ac_claims_t        claims;

    if (key.kid[0] == '\0') {
        ac_crypto_init();
        strcpy(key.kid, "fuzzkid");
        crypto_sign_keypair(key.pk, key.sk);
    }

    if (size > 0 && data[0] == 'S' && size < AC_TOKEN_MAX
        && (nl = memchr(data, '\n', size)) != NULL)
    {
        ac_b64url_encode(data + 1, nl - data - 1, tok, sizeof(tok));
        n = strlen(tok);
        tok[n++] = '.';
        ac_b64url_encode(nl + 1, data + size - nl - 1, tok + n,
                         sizeof(tok) - n);
        n += strlen(tok + n);
        crypto_sign_detached(sig, NULL, (uint8_t *) tok, n, key.sk);
        tok[n++] = '.';
        ac_b64url_encode(sig, sizeof(sig), tok + n, sizeof(tok) - n);
        n += strlen(tok + n);

        (void) ac_token_verify(tok, n, lookup, NULL, "fuzz", 4, 1000, 0,
                               &claims, &reason);
        return 0;
    }

    (void) ac_token_verify((const char *) data, size, lookup, NULL, "fuzz", 4,
                           1000, 0, &claims, &reason);

    return 0;
}
