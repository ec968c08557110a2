/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * The access phase: Bearer token -> verified claims (cached per worker) ->
 * the credential's current grants in LMDB. The hot path.
 */


#include "ngx_http_apicred_module.h"


static ngx_int_t ngx_http_apicred_bearer(ngx_http_request_t *r,
    ngx_str_t *token, const char **error);
static ngx_int_t ngx_http_apicred_deny(ngx_http_request_t *r,
    ngx_int_t status, const char *error, const char *reason);
static ngx_int_t ngx_http_apicred_found(ngx_http_request_t *r,
    const ac_claims_t *claims, const ac_check_result_t *res);


ngx_int_t
ngx_http_apicred_access_handler(ngx_http_request_t *r)
{
    int                           rc;
    ngx_int_t                     status;
    ngx_str_t                     target;
    ac_store_t                   *store;
    ac_check_t                    chk;
    ac_claims_t                   claims;
    const char                   *reason;
    ac_check_result_t             res;
    ngx_http_apicred_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apicred_module);

    if (!alcf->enable) {
        return NGX_DECLINED;
    }

    status = ngx_http_apicred_authenticate(r, alcf, &store, &claims, NULL);
    if (status != NGX_OK) {
        return status;
    }

    chk.api.data = (char *) alcf->api.data;
    chk.api.len = alcf->api.len;
    chk.perms = alcf->permissions ? alcf->permissions->elts : NULL;
    chk.nperms = alcf->permissions ? alcf->permissions->nelts : 0;
    chk.scoped = alcf->scope != NULL;

    if (chk.scoped) {
        if (ngx_http_complex_value(r, alcf->scope, &target) != NGX_OK) {
            ac_store_read_end(store);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        chk.target.data = (char *) target.data;
        chk.target.len = target.len;
    }

    rc = ac_check(store, &claims, &chk, &res, &reason);

    if (rc == AC_OK && ngx_http_apicred_found(r, &claims, &res) != NGX_OK) {
        rc = AC_ENOMEM;
    }

    ac_store_read_end(store);

    switch (rc) {

    case AC_OK:
        return NGX_OK;

    case AC_EDENIED:
        return ngx_http_apicred_deny(r, NGX_HTTP_UNAUTHORIZED,
                                     "invalid_token", reason);

    case AC_EFORBIDDEN:
        return ngx_http_apicred_deny(r, NGX_HTTP_FORBIDDEN,
                                     "insufficient_scope", reason);

    case AC_ENOMEM:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;

    default:
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apicred: store failed: %s (%s)", reason,
                      ac_store_strerror(store));
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }
}


ngx_int_t
ngx_http_apicred_authenticate(ngx_http_request_t *r,
    ngx_http_apicred_loc_conf_t *alcf, ac_store_t **store,
    ac_claims_t *claims, const char **error)
{
    int                         rc;
    ngx_int_t                   status;
    ngx_str_t                   token;
    const char                 *reason, *err;
    const ac_claims_t          *cached;
    ngx_http_apicred_worker_t  *w = &ngx_http_apicred_worker;

    if (error == NULL) {
        error = &err;
    }

    *error = NULL;

    status = ngx_http_apicred_bearer(r, &token, error);
    if (status != NGX_OK) {
        return status;
    }

    *store = ngx_http_apicred_store(r->connection->log);
    if (*store == NULL || ac_store_read_begin(*store) != AC_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apicred: store unavailable");
        *error = "temporarily_unavailable";
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    cached = ac_cache_get(&w->cache, (char *) token.data, token.len,
                          alcf->issuer_hash, ngx_time(), alcf->leeway);
    if (cached != NULL) {
        *claims = *cached;
        return NGX_OK;
    }

    rc = ac_token_verify((char *) token.data, token.len, ac_store_key_lookup,
                         *store, (char *) alcf->issuer.data, alcf->issuer.len,
                         ngx_time(), alcf->leeway, claims, &reason);

    if (rc == AC_OK) {
        ac_cache_put(&w->cache, (char *) token.data, token.len,
                     alcf->issuer_hash, claims);
        return NGX_OK;
    }

    ac_store_read_end(*store);

    if (rc == AC_EDENIED) {
        *error = "invalid_token";
        return ngx_http_apicred_deny(r, NGX_HTTP_UNAUTHORIZED, *error,
                                     reason);
    }

    ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                  "apicred: store failed: %s (%s)", reason,
                  ac_store_strerror(*store));
    *error = "temporarily_unavailable";

    return NGX_HTTP_SERVICE_UNAVAILABLE;
}


/*
 * NGX_OK with the token; 401 when there is no Bearer credential at all;
 * 400 for a malformed one (RFC 6750 3.1).
 */
static ngx_int_t
ngx_http_apicred_bearer(ngx_http_request_t *r, ngx_str_t *token,
    const char **error)
{
    u_char  *p, *end;

    ngx_str_null(token);

    if (r->headers_in.authorization == NULL) {
        return ngx_http_apicred_deny(r, NGX_HTTP_UNAUTHORIZED, NULL,
                                     "no Authorization header");
    }

    p = r->headers_in.authorization->value.data;
    end = p + r->headers_in.authorization->value.len;

    if (end - p < 6 || ngx_strncasecmp(p, (u_char *) "Bearer", 6) != 0
        || (end - p > 6 && p[6] != ' '))
    {
        return ngx_http_apicred_deny(r, NGX_HTTP_UNAUTHORIZED, NULL,
                                     "no Bearer credentials");
    }

    for (p += 6; p < end && *p == ' '; p++) { /* void */ }

    token->data = p;

    /* b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
    for ( /* void */ ; p < end; p++) {
        if (!((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a'
                                          && (*p | 0x20) <= 'z')
              || *p == '-' || *p == '.' || *p == '_'
              || *p == '~' || *p == '+' || *p == '/'))
        {
            break;
        }
    }

    token->len = p - token->data;

    while (p < end && *p == '=') {
        p++;
    }

    if (token->len == 0 || p != end) {
        *error = "invalid_request";
        return ngx_http_apicred_deny(r, NGX_HTTP_BAD_REQUEST, *error,
                                     "malformed Bearer token");
    }

    token->len = p - token->data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apicred_deny(ngx_http_request_t *r, ngx_int_t status,
    const char *error, const char *reason)
{
    ngx_uint_t        level;
    ngx_table_elt_t  *h;

    /* no credentials at all is routine; rejected ones are worth an error */
    level = error ? NGX_LOG_ERR : NGX_LOG_INFO;

    ngx_log_error(level, r->connection->log, 0,
                  "apicred: %s%s%s", error ? error : "", error ? ": " : "",
                  reason);

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "WWW-Authenticate");

    if (error == NULL) {
        ngx_str_set(&h->value, "Bearer realm=\"apicred\"");
        return status;
    }

    h->value.data = ngx_pnalloc(r->pool, sizeof("Bearer realm=\"apicred\", "
                                                "error=\"\"") - 1
                                         + ngx_strlen(error));
    if (h->value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->value.len = ngx_sprintf(h->value.data,
                               "Bearer realm=\"apicred\", error=\"%s\"", error)
                   - h->value.data;

    return status;
}


/* Copies what the variables need out of the store, into the request. */
static ngx_int_t
ngx_http_apicred_found(ngx_http_request_t *r, const ac_claims_t *claims,
    const ac_check_result_t *res)
{
    u_char                  *p;
    ngx_http_apicred_ctx_t  *ctx;

    ctx = ngx_palloc(r->pool, sizeof(ngx_http_apicred_ctx_t));
    p = ngx_pnalloc(r->pool, claims->client_id_len + NGX_INT64_LEN
                             + res->name.len + res->permission.len
                             + claims->jti_len);
    if (ctx == NULL || p == NULL) {
        return NGX_ERROR;
    }

    ctx->client_id.data = p;
    p = ngx_cpymem(p, claims->client_id, claims->client_id_len);
    ctx->client_id.len = p - ctx->client_id.data;

    ctx->org_id.data = p;
    p = ngx_sprintf(p, "%uL", res->org_id);
    ctx->org_id.len = p - ctx->org_id.data;

    ctx->name.data = p;
    p = ngx_cpymem(p, res->name.data, res->name.len);
    ctx->name.len = res->name.len;

    ctx->permission.data = p;
    p = ngx_cpymem(p, res->permission.data, res->permission.len);
    ctx->permission.len = res->permission.len;

    ctx->token_id.data = p;
    ngx_memcpy(p, claims->jti, claims->jti_len);
    ctx->token_id.len = claims->jti_len;

    ngx_http_set_ctx(r, ctx, ngx_http_apicred_module);

    return NGX_OK;
}
