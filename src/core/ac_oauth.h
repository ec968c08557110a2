/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * The token request of the client-credentials grant (RFC 6749 4.4): a JSON
 * or form body, and client_secret_basic. Bounded, no allocations.
 */

#ifndef AC_OAUTH_H
#define AC_OAUTH_H

#include "ac_common.h"


#define AC_TOKEN_BODY_MAX    8192
#define AC_PARAM_MAX         512

typedef struct {
    char    grant_type[AC_PARAM_MAX + 1];
    char    client_id[AC_PARAM_MAX + 1];
    char    client_secret[AC_PARAM_MAX + 1];
    char    audience[AC_PARAM_MAX + 1];
    size_t  client_id_len;
    size_t  client_secret_len;
    int     has_grant_type;
    int     has_client_id;
    int     has_client_secret;
    int     has_audience;
    int     basic;                 /* the client came in Authorization */
} ac_token_request_t;

/*
 * Parses the body into req (zeroed by the caller). Returns AC_OK or
 * AC_EMALFORMED with *desc saying why.
 */
int ac_token_request_parse(int json, const char *body, size_t len,
    ac_token_request_t *req, const char **desc);

/* Reads "Basic <base64(id:secret)>" credentials (RFC 6749 2.3.1). */
int ac_token_request_basic(const char *b64, size_t len,
    ac_token_request_t *req, const char **desc);

/* {"error": ..., "error_description": ...}, malloc'ed. */
char *ac_oauth_error_json(const char *error, const char *desc);
/* {"access_token", "token_type": "Bearer", "expires_in"}, malloc'ed. */
char *ac_oauth_token_json(const char *token, int64_t expires_in);

#endif /* AC_OAUTH_H */
