/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Access tokens: JWS compact (RFC 7515), typ "at+jwt" (RFC 9068), signed
 * with Ed25519 ("EdDSA"). Verification is strict: the header must be
 * exactly what we issue, and claims are parsed only after the signature
 * has been checked.
 */

#ifndef AC_TOKEN_H
#define AC_TOKEN_H

#include "ac_model.h"


#define AC_TOKEN_MAX         4096
#define AC_CLAIM_MAX         64      /* client_id, jti */
#define AC_ISS_MAX           255
#define AC_AUD_MAX           255

typedef struct {
    char      client_id[AC_CLAIM_MAX + 1];
    size_t    client_id_len;
    char      jti[AC_CLAIM_MAX + 1];
    size_t    jti_len;
    char      aud[AC_AUD_MAX + 1];
    size_t    aud_len;
    char      kid[AC_KID_LEN + 1];    /* the key that signed it */
    size_t    kid_len;
    uint64_t  gen;
    int64_t   iat;
    int64_t   exp;
} ac_claims_t;

/*
 * The credentials of an Authorization value "Bearer <token>" (scheme name
 * in any case, RFC 7235): AC_OK with the token bytes (not yet checked,
 * see ac_b64token_valid()), AC_ENOTFOUND when it is another scheme (no
 * Bearer credentials at all), AC_EMALFORMED when the token is empty.
 */
int ac_bearer_parse(const char *value, size_t len, ac_str_t *token);

/* 1 when token is an RFC 6750 b64token:
 * 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
int ac_b64token_valid(const char *token, size_t len);

/* What to put into a new token. */
typedef struct {
    const char  *iss;
    const char  *aud;                /* NULL: the issuer */
    const char  *client_id;
    uint64_t     gen;
    int64_t      now;
    int64_t      ttl;
} ac_token_spec_t;

/* Finds the public key of kid: AC_OK, AC_ENOTFOUND or AC_ESTORE. */
typedef int (*ac_key_lookup_pt)(void *data, const char *kid, size_t len,
    uint8_t pk[32]);

/*
 * Signs a new token into out (NUL-terminated). jti is filled with the
 * token's id. Returns AC_OK, or AC_ENOMEM when out is too small.
 */
int ac_token_sign(const ac_key_t *key, const ac_token_spec_t *spec,
    char *out, size_t size, ac_claims_t *claims);

/*
 * Verifies a token. Returns AC_OK and fills claims; AC_EDENIED with
 * *reason set when the token is not acceptable; AC_ESTORE when the key
 * lookup failed.
 */
int ac_token_verify(const char *tok, size_t len, ac_key_lookup_pt lookup,
    void *data, const char *iss, size_t iss_len, int64_t now, int64_t leeway,
    ac_claims_t *claims, const char **reason);

#endif /* AC_TOKEN_H */
