/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>

#include "ac_secret.h"
#include "ac_token.h"


#define AC_HEADER_MAX        256
#define AC_PAYLOAD_MAX       2048


int
ac_bearer_parse(const char *value, size_t len, ac_str_t *token)
{
    const char  *p = value, *end = value + len;

    if (len < 6 || strncasecmp(p, "Bearer", 6) != 0
        || (len > 6 && p[6] != ' '))
    {
        return AC_ENOTFOUND;
    }

    for (p += 6; p < end && *p == ' '; p++) { /* void */ }

    token->data = p;
    token->len = end - p;

    return p == end ? AC_EMALFORMED : AC_OK;
}


int
ac_b64token_valid(const char *token, size_t len)
{
    const uint8_t  *p = (const uint8_t *) token, *end = p + len;

    static const uint32_t  b64token[8] = {
        0x00000000,                     /* 0x00-0x1f */
        0x03ffe800,                     /* "+" "-" "." "/" 0-9 */
        0x87fffffe,                     /* A-Z "_" */
        0x47fffffe,                     /* a-z "~" */
        0, 0, 0, 0
    };

    while (p < end && (b64token[*p >> 5] & (1U << (*p & 0x1f)))) {
        p++;
    }

    if (p == (const uint8_t *) token) {
        return 0;
    }

    while (p < end && *p == '=') {
        p++;
    }

    return p == end;
}


/* Base64url of bytes, appended to out at *pos. */
static int
ac_token_segment(const char *bytes, size_t n, char *out, size_t size,
    size_t *pos)
{
    if (sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING)
        > size - *pos)
    {
        return AC_ENOMEM;
    }

    ac_b64url_encode((const uint8_t *) bytes, n, out + *pos, size - *pos);
    *pos += strlen(out + *pos);

    return AC_OK;
}


/*
 * A unique token id: a random per-process prefix and a counter. Unique
 * across workers and restarts without a getrandom() call per token; a jti
 * need not be secret.
 */
static void
ac_token_id(uint8_t id[16])
{
    static pid_t     pid;
    static uint8_t   prefix[8];
    static uint64_t  counter;

    if (pid != getpid()) {
        pid = getpid();
        randombytes_buf(prefix, sizeof(prefix));
        counter = 0;
    }

    memcpy(id, prefix, sizeof(prefix));
    ac_u64_put(id + 8, ++counter);
}


/* 1 when s can stand in a JSON string as it is: no quote, backslash or
 * control character (and it is not so long that it cannot be ours). */
static int
ac_json_plain(const char *s)
{
    const unsigned char  *p;

    for (p = (const unsigned char *) s; *p; p++) {
        if (*p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f) {
            return 0;
        }
    }

    return p - (const unsigned char *) s <= AC_ISS_MAX;
}


int
ac_token_sign(const ac_key_t *key, const ac_token_spec_t *spec, char *out,
    size_t size, ac_claims_t *claims)
{
    int          n, n2;
    char         header[128], body[AC_PAYLOAD_MAX];
    size_t       pos = 0, blen;
    json_t      *payload;
    uint8_t      jti[16], sig[crypto_sign_BYTES];
    const char  *aud;

    ac_token_id(jti);
    ac_b64url_encode(jti, sizeof(jti), claims->jti, sizeof(claims->jti));
    claims->jti_len = strlen(claims->jti);
    claims->aud_len = snprintf(claims->aud, sizeof(claims->aud), "%s",
                               spec->aud ? spec->aud : spec->iss);
    claims->kid_len = snprintf(claims->kid, sizeof(claims->kid), "%s",
                               key->kid);
    claims->iat = spec->now;
    claims->exp = spec->now + spec->ttl;
    claims->gen = spec->gen;

    /* the kid is our own base64url: nothing to escape */
    n = snprintf(header, sizeof(header),
                 "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}",
                 key->kid);

    aud = spec->aud ? spec->aud : spec->iss;

    /* strings with nothing to escape (the usual case) need no JSON library */
    if (ac_json_plain(spec->iss) && ac_json_plain(aud)
        && ac_json_plain(spec->client_id))
    {
        n2 = snprintf(body, sizeof(body),
                      "{\"iss\":\"%s\",\"sub\":\"%s\",\"client_id\":\"%s\","
                      "\"aud\":\"%s\",\"iat\":%lld,\"exp\":%lld,"
                      "\"jti\":\"%s\",\"gen\":%llu}",
                      spec->iss, spec->client_id, spec->client_id, aud,
                      (long long) claims->iat, (long long) claims->exp,
                      claims->jti, (unsigned long long) spec->gen);
        blen = n2 > 0 ? (size_t) n2 : 0;

    } else {
        payload = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:I}",
                            "iss", spec->iss,
                            "sub", spec->client_id,
                            "client_id", spec->client_id,
                            "aud", aud,
                            "iat", (json_int_t) claims->iat,
                            "exp", (json_int_t) claims->exp,
                            "jti", claims->jti,
                            "gen", (json_int_t) spec->gen);
        blen = payload ? json_dumpb(payload, body, sizeof(body),
                                    JSON_COMPACT | JSON_PRESERVE_ORDER)
                       : 0;
        json_decref(payload);
    }

    if (blen == 0 || blen > sizeof(body) || claims->aud_len > AC_AUD_MAX
        || ac_token_segment(header, n, out, size, &pos) != AC_OK
        || pos + 1 >= size)
    {
        return AC_ENOMEM;
    }

    out[pos++] = '.';

    if (ac_token_segment(body, blen, out, size, &pos) != AC_OK
        || pos + 1 + sodium_base64_ENCODED_LEN(sizeof(sig),
                         sodium_base64_VARIANT_URLSAFE_NO_PADDING) > size)
    {
        return AC_ENOMEM;
    }

    crypto_sign_detached(sig, NULL, (uint8_t *) out, pos, key->sk);
    out[pos++] = '.';
    ac_b64url_encode(sig, sizeof(sig), out + pos, size - pos);

    return AC_OK;
}


/* Decodes a base64url segment and parses it as a JSON object. */
static json_t *
ac_token_json(const char *seg, size_t len, size_t max)
{
    long     n;
    uint8_t  buf[AC_PAYLOAD_MAX];
    json_t  *v;

    if (len == 0 || len > (max * 4 + 2) / 3) {
        return NULL;
    }

    n = ac_b64url_decode(seg, len, buf, sizeof(buf));
    if (n <= 0) {
        return NULL;
    }

    v = json_loadb((char *) buf, (size_t) n, JSON_REJECT_DUPLICATES, NULL);

    if (v != NULL && !json_is_object(v)) {
        json_decref(v);
        return NULL;
    }

    return v;
}


/* A string claim no longer than max, or NULL. */
static const char *
ac_claim_str(json_t *obj, const char *name, size_t max, size_t *len)
{
    json_t  *v = json_object_get(obj, name);

    if (!json_is_string(v) || json_string_length(v) == 0
        || json_string_length(v) > max)
    {
        return NULL;
    }

    *len = json_string_length(v);

    return json_string_value(v);
}


static int
ac_claim_int(json_t *obj, const char *name, int64_t *out)
{
    json_t  *v = json_object_get(obj, name);

    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        return 0;
    }

    *out = json_integer_value(v);

    return 1;
}


static int
ac_token_check_header(json_t *h, const char **kid, size_t *kid_len)
{
    json_t  *alg = json_object_get(h, "alg");
    json_t  *typ = json_object_get(h, "typ");

    return json_object_size(h) == 3
           && json_is_string(alg)
           && strcmp(json_string_value(alg), "EdDSA") == 0
           && json_is_string(typ)
           && strcmp(json_string_value(typ), "at+jwt") == 0
           && (*kid = ac_claim_str(h, "kid", AC_KID_LEN, kid_len)) != NULL;
}


static int
ac_token_check_claims(json_t *c, const char *iss, size_t iss_len, int64_t now,
    int64_t leeway, ac_claims_t *claims, const char **reason)
{
    size_t       len, sub_len;
    json_t      *v;
    int64_t      nbf, gen;
    const char  *s, *sub, *name;

    /* we issue flat claims: a nested value is not one of our tokens */
    json_object_foreach(c, name, v) {
        if (json_is_object(v) || json_is_array(v)) {
            *reason = "nested claims";
            return AC_EDENIED;
        }
    }

    s = ac_claim_str(c, "iss", AC_ISS_MAX, &len);
    if (s == NULL || len != iss_len || memcmp(s, iss, len) != 0) {
        *reason = "wrong issuer";
        return AC_EDENIED;
    }

    s = ac_claim_str(c, "client_id", AC_CLAIM_MAX, &claims->client_id_len);
    sub = ac_claim_str(c, "sub", AC_CLAIM_MAX, &sub_len);

    if (s == NULL || sub == NULL || sub_len != claims->client_id_len
        || memcmp(s, sub, sub_len) != 0)
    {
        *reason = "bad client_id or sub claim";
        return AC_EDENIED;
    }

    memcpy(claims->client_id, s, claims->client_id_len);
    claims->client_id[claims->client_id_len] = '\0';

    s = ac_claim_str(c, "jti", AC_CLAIM_MAX, &claims->jti_len);
    if (s == NULL) {
        *reason = "bad jti claim";
        return AC_EDENIED;
    }

    memcpy(claims->jti, s, claims->jti_len);
    claims->jti[claims->jti_len] = '\0';

    s = ac_claim_str(c, "aud", AC_AUD_MAX, &claims->aud_len);
    if (s == NULL) {
        *reason = "bad aud claim";
        return AC_EDENIED;
    }

    memcpy(claims->aud, s, claims->aud_len);
    claims->aud[claims->aud_len] = '\0';

    if (!ac_claim_int(c, "iat", &claims->iat)
        || !ac_claim_int(c, "exp", &claims->exp)
        || !ac_claim_int(c, "gen", &gen))
    {
        *reason = "bad iat, exp or gen claim";
        return AC_EDENIED;
    }

    claims->gen = (uint64_t) gen;

    if (now >= claims->exp + leeway) {
        *reason = "token expired";
        return AC_EDENIED;
    }

    /* iat has one-second precision, and a worker's clock is cached per
     * event loop turn: one second of slack between issuer and checker */
    if (claims->iat > now + leeway + 1) {
        *reason = "token issued in the future";
        return AC_EDENIED;
    }

    if (json_object_get(c, "nbf") != NULL
        && (!ac_claim_int(c, "nbf", &nbf) || nbf > now + leeway))
    {
        *reason = "token not yet valid";
        return AC_EDENIED;
    }

    return AC_OK;
}


int
ac_token_verify(const char *tok, size_t len, ac_key_lookup_pt lookup,
    void *data, const char *iss, size_t iss_len, int64_t now, int64_t leeway,
    ac_claims_t *claims, const char **reason)
{
    int          rc;
    size_t       kid_len;
    json_t      *header, *payload;
    uint8_t      pk[32], sig[crypto_sign_BYTES + 1];
    const char  *dot1, *dot2, *kid;

    *reason = "malformed token";

    if (len == 0 || len > AC_TOKEN_MAX) {
        return AC_EDENIED;
    }

    dot1 = memchr(tok, '.', len);
    dot2 = dot1 ? memchr(dot1 + 1, '.', tok + len - dot1 - 1) : NULL;

    if (dot2 == NULL || memchr(dot2 + 1, '.', tok + len - dot2 - 1) != NULL) {
        return AC_EDENIED;
    }

    if (ac_b64url_decode(dot2 + 1, tok + len - dot2 - 1, sig, sizeof(sig))
        != crypto_sign_BYTES)
    {
        *reason = "malformed signature";
        return AC_EDENIED;
    }

    header = ac_token_json(tok, dot1 - tok, AC_HEADER_MAX);

    if (header == NULL || !ac_token_check_header(header, &kid, &kid_len)) {
        json_decref(header);
        *reason = "header is not {alg: EdDSA, typ: at+jwt, kid}";
        return AC_EDENIED;
    }

    rc = lookup(data, kid, kid_len, pk);
    memcpy(claims->kid, kid, kid_len);
    claims->kid[kid_len] = '\0';
    claims->kid_len = kid_len;
    json_decref(header);

    if (rc != AC_OK) {
        *reason = rc == AC_ENOTFOUND ? "unknown kid" : "key lookup failed";
        return rc == AC_ENOTFOUND ? AC_EDENIED : AC_ESTORE;
    }

    if (crypto_sign_verify_detached(sig, (const uint8_t *) tok, dot2 - tok, pk)
        != 0)
    {
        *reason = "bad signature";
        return AC_EDENIED;
    }

    payload = ac_token_json(dot1 + 1, dot2 - dot1 - 1, AC_PAYLOAD_MAX);
    if (payload == NULL) {
        *reason = "malformed claims";
        return AC_EDENIED;
    }

    rc = ac_token_check_claims(payload, iss, iss_len, now, leeway, claims,
                               reason);
    json_decref(payload);

    return rc;
}
