/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Client ids and secrets: random, shown base64url once, stored as a keyed
 * BLAKE2b hash, compared in constant time.
 */

#ifndef AC_SECRET_H
#define AC_SECRET_H

#include "ac_common.h"


/* Call once per process before anything else in the core. */
int ac_crypto_init(void);

/* buf: at least AC_CLIENT_ID_LEN + 1 bytes. */
void ac_client_id_generate(char *buf);

/* buf: at least AC_SECRET_LEN + 1 bytes. */
void ac_secret_generate(char *buf);

/* Keyed BLAKE2b-256 of the presented secret. */
void ac_secret_hash(const uint8_t key[AC_HASH_LEN], const char *secret,
    size_t len, uint8_t out[AC_HASH_LEN]);

/* 1 when the secret hashes to hash; constant time in the hash. */
int ac_secret_matches(const uint8_t key[AC_HASH_LEN], const char *secret,
    size_t len, const uint8_t hash[AC_HASH_LEN]);

/* base64url without padding; out must hold sodium_base64_ENCODED_LEN. */
void ac_b64url_encode(const uint8_t *bin, size_t len, char *out, size_t size);

/* Strict base64url without padding; returns bytes written or -1. */
long ac_b64url_decode(const char *s, size_t len, uint8_t *out, size_t size);

#endif /* AC_SECRET_H */
