/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * The token endpoint: OAuth 2.0 client-credentials grant (RFC 6749 4.4),
 * client_secret_post (JSON or form) and client_secret_basic.
 */


#include "ngx_http_apicred_module.h"
#include "ac_oauth.h"


static void ngx_http_apicred_token_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_apicred_token_issue(ngx_http_request_t *r,
    ac_token_request_t *req);
static ngx_int_t ngx_http_apicred_invalid_client(ngx_http_request_t *r,
    ac_token_request_t *req, const char *desc);


ngx_int_t
ngx_http_apicred_token_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    if (r->method != NGX_HTTP_POST) {
        return ngx_http_apicred_not_allowed(r, "POST");
    }

    rc = ngx_http_apicred_body_check(r, AC_TOKEN_BODY_MAX, 1);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_apicred_token_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_apicred_token_body(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_str_t                     body;
    ngx_table_elt_t              *auth;
    const char                   *desc;
    ac_token_request_t            req;
    ngx_http_apicred_loc_conf_t  *alcf;

    rc = ngx_http_apicred_body_get(r, AC_TOKEN_BODY_MAX, &body);
    if (rc != NGX_DECLINED) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    ngx_memzero(&req, sizeof(ac_token_request_t));

    rc = NGX_OK;

    if (ac_token_request_parse(ngx_http_apicred_is_json(r),
                               (char *) body.data, body.len, &req, &desc)
        != AC_OK)
    {
        rc = ngx_http_apicred_send_error(r, NGX_HTTP_BAD_REQUEST,
                                         "invalid_request", desc);
        goto done;
    }

    auth = r->headers_in.authorization;

    if (auth != NULL && auth->value.len > 6
        && ngx_strncasecmp(auth->value.data, (u_char *) "Basic ", 6) == 0
        && ac_token_request_basic((char *) auth->value.data + 6,
                                  auth->value.len - 6, &req, &desc)
           != AC_OK)
    {
        rc = ngx_http_apicred_send_error(r, NGX_HTTP_BAD_REQUEST,
                                         "invalid_request", desc);
        goto done;
    }

    if (!req.has_grant_type) {
        rc = ngx_http_apicred_send_error(r, NGX_HTTP_BAD_REQUEST,
                                         "invalid_request",
                                         "grant_type is missing");
        goto done;
    }

    if (req.has_audience && ngx_strlen(req.audience) > AC_AUD_MAX) {
        rc = ngx_http_apicred_send_error(r, NGX_HTTP_BAD_REQUEST,
                                         "invalid_request",
                                         "audience is longer than 255 bytes");
        goto done;
    }

    if (ngx_strcmp(req.grant_type, "client_credentials") != 0) {
        rc = ngx_http_apicred_send_error(r, NGX_HTTP_BAD_REQUEST,
                                         "unsupported_grant_type",
                                         "only client_credentials is "
                                         "supported");
        goto done;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apicred_module);

    if (req.has_audience && req.audience[0]
        && !ngx_http_apicred_audience_ok(alcf, req.audience,
                                         ngx_strlen(req.audience)))
    {
        /* RFC 8707 2 */
        rc = ngx_http_apicred_send_error(r, NGX_HTTP_BAD_REQUEST,
                                         "invalid_target",
                                         "the audience is not served here");
        goto done;
    }

    rc = ngx_http_apicred_token_issue(r, &req);

done:

    ngx_explicit_memzero(&req, sizeof(ac_token_request_t));
    ngx_explicit_memzero(body.data, body.len);

    ngx_http_finalize_request(r, rc);
}


static ngx_int_t
ngx_http_apicred_token_issue(ngx_http_request_t *r, ac_token_request_t *req)
{
    int                           rc;
    char                          token[AC_TOKEN_MAX];
    uint64_t                      gen;
    ac_key_t                      key;
    ac_store_t                   *store;
    ac_claims_t                   claims;
    ngx_table_elt_t              *h;
    ac_token_spec_t               spec;
    ngx_http_apicred_ctx_t       *ctx;
    ngx_http_apicred_loc_conf_t  *alcf;

    if (!req->has_client_id || !req->has_client_secret) {
        return ngx_http_apicred_invalid_client(r, req,
                                               "client authentication is "
                                               "missing");
    }

    store = ngx_http_apicred_store(r->connection->log);
    if (store == NULL || ac_store_read_begin(store) != AC_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apicred: store unavailable");
        return ngx_http_apicred_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           "temporarily_unavailable",
                                           "the credential store is "
                                           "unavailable");
    }

    rc = ac_client_authenticate(store, req->client_id, req->client_id_len,
                                req->client_secret, req->client_secret_len,
                                ngx_time(), &gen);
    if (rc == AC_OK) {
        rc = ac_key_active(store, store->rtxn, &key);
    }

    ac_store_read_end(store);

    if (rc == AC_EDENIED) {
        return ngx_http_apicred_invalid_client(r, req,
                                               "unknown or inactive client, "
                                               "or wrong secret");
    }

    if (rc != AC_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apicred: store failed while issuing a token: %s (%s)",
                      ac_strerror(rc), ac_store_strerror(store));
        return ngx_http_apicred_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           "temporarily_unavailable",
                                           "the credential store failed");
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apicred_module);

    spec.iss = (char *) alcf->issuer.data;
    spec.aud = (req->has_audience && req->audience[0]) ? req->audience : NULL;
    spec.client_id = req->client_id;
    spec.gen = gen;
    spec.now = ngx_time();
    spec.ttl = alcf->token_ttl;

    rc = ac_token_sign(&key, &spec, token, sizeof(token), &claims);
    ngx_explicit_memzero(&key, sizeof(ac_key_t));

    if (rc != AC_OK) {
        return ngx_http_apicred_send_error(r, NGX_HTTP_BAD_REQUEST,
                                           "invalid_request",
                                           "the token would be too large");
    }

    /* $apicred_client_id and $apicred_token_id let access_log record it */
    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_apicred_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->client_id.len = req->client_id_len;
    ctx->client_id.data = ngx_pnalloc(r->pool, req->client_id_len);
    ctx->token_id.len = claims.jti_len;
    ctx->token_id.data = ngx_pnalloc(r->pool, claims.jti_len);

    if (ctx->client_id.data == NULL || ctx->token_id.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(ctx->client_id.data, req->client_id, req->client_id_len);
    ngx_memcpy(ctx->token_id.data, claims.jti, claims.jti_len);
    ngx_http_set_ctx(r, ctx, ngx_http_apicred_module);

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Cache-Control");
    ngx_str_set(&h->value, "no-store");

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Pragma");
    ngx_str_set(&h->value, "no-cache");

    return ngx_http_apicred_send_json(r, NGX_HTTP_OK,
                                      ac_oauth_token_json(token,
                                                          alcf->token_ttl));
}


static ngx_int_t
ngx_http_apicred_invalid_client(ngx_http_request_t *r,
    ac_token_request_t *req, const char *desc)
{
    ngx_table_elt_t  *h;

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "apicred: invalid_client: %s", desc);

    if (req->basic) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "WWW-Authenticate");
        ngx_str_set(&h->value, "Basic realm=\"apicred\"");
    }

    return ngx_http_apicred_send_error(r, NGX_HTTP_UNAUTHORIZED,
                                       "invalid_client", desc);
}
