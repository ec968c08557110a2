/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#include <string.h>
#include <sodium.h>

#include "ac_secret.h"


int
ac_crypto_init(void)
{
    return sodium_init() < 0 ? AC_ESTORE : AC_OK;
}


void
ac_b64url_encode(const uint8_t *bin, size_t len, char *out, size_t size)
{
    sodium_bin2base64(out, size, bin, len,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}


long
ac_b64url_decode(const char *s, size_t len, uint8_t *out, size_t size)
{
    size_t       n;
    const char  *end;

    if (sodium_base642bin(out, size, s, len, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING)
        != 0 || end != s + len)
    {
        return -1;
    }

    return (long) n;
}


void
ac_client_id_generate(char *buf)
{
    uint8_t  raw[18];

    randombytes_buf(raw, sizeof(raw));
    ac_b64url_encode(raw, sizeof(raw), buf, AC_CLIENT_ID_LEN + 1);
}


void
ac_secret_generate(char *buf)
{
    uint8_t  raw[AC_SECRET_BYTES];

    randombytes_buf(raw, sizeof(raw));
    ac_b64url_encode(raw, sizeof(raw), buf, AC_SECRET_LEN + 1);
    sodium_memzero(raw, sizeof(raw));
}


void
ac_secret_hash(const uint8_t key[AC_HASH_LEN], const char *secret, size_t len,
    uint8_t out[AC_HASH_LEN])
{
    crypto_generichash(out, AC_HASH_LEN, (const uint8_t *) secret, len,
                       key, AC_HASH_LEN);
}


int
ac_secret_matches(const uint8_t key[AC_HASH_LEN], const char *secret,
    size_t len, const uint8_t hash[AC_HASH_LEN])
{
    int      ok;
    uint8_t  h[AC_HASH_LEN];

    ac_secret_hash(key, secret, len, h);
    ok = sodium_memcmp(h, hash, AC_HASH_LEN) == 0;
    sodium_memzero(h, sizeof(h));

    return ok;
}
