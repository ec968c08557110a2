/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>

#include "ac_oauth.h"


typedef struct {
    const char  *name;
    size_t       offset;
    size_t       len_offset;
    size_t       has_offset;
} ac_param_t;


#define ac_param(f, l)                                                       \
    { #f, offsetof(ac_token_request_t, f), l,                                \
      offsetof(ac_token_request_t, has_##f) }

#define AC_NO_LEN  ((size_t) -1)

static const ac_param_t  ac_params[] = {
    ac_param(grant_type, AC_NO_LEN),
    ac_param(client_id, offsetof(ac_token_request_t, client_id_len)),
    ac_param(client_secret, offsetof(ac_token_request_t, client_secret_len)),
    ac_param(audience, AC_NO_LEN),
};


/* Stores one parameter; repeated or oversized ones are errors. */
static int
ac_param_set(ac_token_request_t *req, const char *name, size_t nlen,
    const char *val, size_t vlen, const char **desc)
{
    size_t             i;
    const ac_param_t  *p;

    for (i = 0; i < sizeof(ac_params) / sizeof(ac_params[0]); i++) {
        p = &ac_params[i];

        if (strlen(p->name) != nlen || memcmp(p->name, name, nlen) != 0) {
            continue;
        }

        if (*(int *) ((char *) req + p->has_offset)) {
            *desc = "a parameter is repeated";
            return AC_EMALFORMED;
        }

        if (vlen > AC_PARAM_MAX || memchr(val, '\0', vlen) != NULL) {
            *desc = "a parameter is too long or holds a NUL byte";
            return AC_EMALFORMED;
        }

        memcpy((char *) req + p->offset, val, vlen);
        ((char *) req + p->offset)[vlen] = '\0';
        *(int *) ((char *) req + p->has_offset) = 1;

        if (p->len_offset != AC_NO_LEN) {
            *(size_t *) ((char *) req + p->len_offset) = vlen;
        }

        return AC_OK;
    }

    /* RFC 6749 3.2: unknown parameters are ignored */
    return AC_OK;
}


static int
ac_form_parse(const char *body, size_t len, ac_token_request_t *req,
    const char **desc)
{
    int          rc = AC_OK;
    long         nlen, vlen;
    const char  *p, *end, *amp, *eq;
    char         name[64], value[AC_TOKEN_BODY_MAX];

    end = body + len;

    for (p = body; rc == AC_OK && p < end; p = amp + 1) {
        amp = memchr(p, '&', end - p);
        if (amp == NULL) {
            amp = end;
        }

        eq = memchr(p, '=', amp - p);
        if (eq == NULL) {
            eq = amp;
        }

        /* a long name is never one of ours */
        if (eq - p >= (long) sizeof(name)) {
            continue;
        }

        nlen = ac_form_decode(p, eq - p, name);
        vlen = eq < amp ? ac_form_decode(eq + 1, amp - eq - 1, value) : 0;

        if (nlen < 0 || vlen < 0) {
            *desc = "bad percent-encoding in the form body";
            rc = AC_EMALFORMED;
            break;
        }

        rc = ac_param_set(req, name, nlen, value, vlen, desc);
    }

    sodium_memzero(value, sizeof(value));

    return rc;
}


static int
ac_json_parse(const char *body, size_t len, ac_token_request_t *req,
    const char **desc)
{
    int           rc = AC_OK;
    json_t       *obj, *v;
    const char   *key;

    obj = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);

    if (!json_is_object(obj)) {
        json_decref(obj);
        *desc = "the body is not a JSON object";
        return AC_EMALFORMED;
    }

    json_object_foreach(obj, key, v) {
        if (!json_is_string(v)) {
            if (strcmp(key, "client_id") == 0
                || strcmp(key, "client_secret") == 0
                || strcmp(key, "grant_type") == 0
                || strcmp(key, "audience") == 0)
            {
                *desc = "parameters must be JSON strings";
                rc = AC_EMALFORMED;
                break;
            }
            continue;
        }

        rc = ac_param_set(req, key, strlen(key), json_string_value(v),
                          json_string_length(v), desc);
        if (rc != AC_OK) {
            break;
        }
    }

    json_decref(obj);

    return rc;
}


int
ac_token_request_parse(int json, const char *body, size_t len,
    ac_token_request_t *req, const char **desc)
{
    if (len > AC_TOKEN_BODY_MAX) {
        *desc = "the body is too large";
        return AC_EMALFORMED;
    }

    return json ? ac_json_parse(body, len, req, desc)
                : ac_form_parse(body, len, req, desc);
}


int
ac_token_request_basic(const char *b64, size_t len, ac_token_request_t *req,
    const char **desc)
{
    int          rc;
    long         n;
    size_t       dlen;
    char         raw[2 * AC_PARAM_MAX + 2], dec[2 * AC_PARAM_MAX + 2];
    const char  *colon, *end;

    *desc = "malformed Basic credentials";

    if (req->has_client_id || req->has_client_secret) {
        *desc = "client credentials given both in the body and in "
                "Authorization";
        return AC_EMALFORMED;
    }

    if (sodium_base642bin((unsigned char *) raw, sizeof(raw) - 1, b64, len,
                          NULL, &dlen, &end, sodium_base64_VARIANT_ORIGINAL)
        != 0 || end != b64 + len)
    {
        return AC_EMALFORMED;
    }

    colon = memchr(raw, ':', dlen);
    if (colon == NULL) {
        return AC_EMALFORMED;
    }

    n = ac_form_decode(raw, colon - raw, dec);
    if (n < 0) {
        return AC_EMALFORMED;
    }

    rc = ac_param_set(req, "client_id", 9, dec, n, desc);
    if (rc != AC_OK) {
        return rc;
    }

    n = ac_form_decode(colon + 1, raw + dlen - colon - 1, dec);
    if (n < 0) {
        return AC_EMALFORMED;
    }

    rc = ac_param_set(req, "client_secret", 13, dec, n, desc);
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(dec, sizeof(dec));
    req->basic = 1;

    return rc;
}


char *
ac_oauth_error_json(const char *error, const char *desc)
{
    char    *s;
    json_t  *obj;

    obj = json_pack("{s:s, s:s}", "error", error, "error_description", desc);
    s = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(obj);

    return s;
}


char *
ac_oauth_token_json(const char *token, int64_t expires_in)
{
    char    *s;
    size_t   size = strlen(token) + 96;

    s = malloc(size);

    /* a token is base64url and dots: nothing to escape */
    if (s != NULL) {
        snprintf(s, size, "{\"access_token\":\"%s\",\"token_type\":\"Bearer\","
                 "\"expires_in\":%lld}", token, (long long) expires_in);
    }

    return s;
}
