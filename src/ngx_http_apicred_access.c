/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * The access phase: Bearer token -> verified claims (cached per worker) ->
 * the credential's current grants in LMDB. The hot path.
 */


#include "ngx_http_apicred_module.h"


static ngx_int_t ngx_http_apicred_bearer(ngx_http_request_t *r,
    ngx_str_t *token);
static ngx_int_t ngx_http_apicred_deny(ngx_http_request_t *r,
    ngx_int_t status, const char *error, const char *reason);
static ngx_int_t ngx_http_apicred_found(ngx_http_request_t *r,
    const ac_claims_t *claims, const ac_decision_t *d);


ngx_int_t
ngx_http_apicred_access_handler(ngx_http_request_t *r)
{
    int                           rc;
    ngx_int_t                     status;
    ngx_str_t                     target;
    ac_store_t                   *store;
    ac_check_t                    chk;
    const char                   *reason;
    ngx_http_apicred_auth_t       auth;
    ngx_http_apicred_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apicred_module);

    if (!alcf->enable) {
        return NGX_DECLINED;
    }

    status = ngx_http_apicred_authenticate(r, alcf, &store, &auth, NULL);
    if (status != NGX_OK) {
        return status;
    }

    chk = alcf->check;

    if (chk.scoped) {
        if (ngx_http_complex_value(r, alcf->scope, &target) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        chk.target.data = (char *) target.data;
        chk.target.len = target.len;
    }

    rc = ac_decide(store, auth.claims, &chk, auth.decision, &reason);

    switch (rc) {

    case AC_OK:
        return ngx_http_apicred_found(r, auth.claims, auth.decision);

    case AC_EDENIED:
        return ngx_http_apicred_deny(r, NGX_HTTP_UNAUTHORIZED,
                                     "invalid_token", reason);

    case AC_EFORBIDDEN:
        return ngx_http_apicred_deny(r, NGX_HTTP_FORBIDDEN,
                                     "insufficient_scope", reason);

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
    ngx_http_apicred_auth_t *auth, const char **error)
{
    int                         rc;
    ngx_int_t                   status;
    ngx_str_t                   token;
    const char                 *reason, *err;
    ac_cache_entry_t           *e;
    ngx_http_apicred_worker_t  *w = &ngx_http_apicred_worker;

    if (error == NULL) {
        error = &err;
    }

    *error = NULL;

    status = ngx_http_apicred_bearer(r, &token);
    if (status != NGX_OK) {
        return status;
    }

    *store = ngx_http_apicred_store(r->connection->log);
    if (*store == NULL) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apicred: store unavailable");
        *error = "temporarily_unavailable";
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    /* a cached token is byte for byte one that was checked in full */
    e = ac_cache_get(&w->cache, (char *) token.data, token.len,
                     alcf->issuer_hash, ngx_time(), alcf->leeway);
    if (e != NULL) {
        auth->claims = &e->claims;
        auth->decision = &e->decision;
        goto verified;
    }

    if (!ac_b64token_valid((char *) token.data, token.len)) {
        *error = "invalid_request";
        return ngx_http_apicred_deny(r, NGX_HTTP_BAD_REQUEST, *error,
                                     "malformed Bearer token");
    }

    rc = ac_store_read_begin(*store);

    if (rc == AC_OK) {
        rc = ac_token_verify((char *) token.data, token.len,
                             ac_store_key_lookup, *store,
                             (char *) alcf->issuer.data, alcf->issuer.len,
                             ngx_time(), alcf->leeway, &auth->verified,
                             &reason);
        ac_store_read_end(*store);

    } else {
        reason = "cannot begin a read transaction";
    }

    if (rc == AC_EDENIED) {
        *error = "invalid_token";
        return ngx_http_apicred_deny(r, NGX_HTTP_UNAUTHORIZED, *error,
                                     reason);
    }

    if (rc != AC_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apicred: store failed: %s (%s)", reason,
                      ac_store_strerror(*store));
        *error = "temporarily_unavailable";
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    e = ac_cache_put(&w->cache, (char *) token.data, token.len,
                     alcf->issuer_hash, &auth->verified);
    auth->claims = &auth->verified;
    auth->decision = e ? &e->decision : &auth->local;
    auth->local.txnid = 0;

verified:

    if (!ngx_http_apicred_audience_ok(alcf, auth->claims->aud,
                                      auth->claims->aud_len))
    {
        *error = "invalid_token";
        return ngx_http_apicred_deny(r, NGX_HTTP_UNAUTHORIZED, *error,
                                     "wrong audience");
    }

    return NGX_OK;
}


/*
 * NGX_OK with the token of "Bearer <token>"; 401 when there are no Bearer
 * credentials at all; 400 when the token is empty.
 */
static ngx_int_t
ngx_http_apicred_bearer(ngx_http_request_t *r, ngx_str_t *token)
{
    int               rc;
    ac_str_t          tok;
    ngx_table_elt_t  *h = r->headers_in.authorization;

    ngx_str_null(token);

    if (h == NULL) {
        return ngx_http_apicred_deny(r, NGX_HTTP_UNAUTHORIZED, NULL,
                                     "no Authorization header");
    }

    rc = ac_bearer_parse((char *) h->value.data, h->value.len, &tok);

    if (rc == AC_ENOTFOUND) {
        return ngx_http_apicred_deny(r, NGX_HTTP_UNAUTHORIZED, NULL,
                                     "no Bearer credentials");
    }

    if (rc != AC_OK) {
        return ngx_http_apicred_deny(r, NGX_HTTP_BAD_REQUEST,
                                     "invalid_request", "empty Bearer token");
    }

    token->data = (u_char *) tok.data;
    token->len = tok.len;

    return NGX_OK;
}


static ngx_int_t
ngx_http_apicred_deny(ngx_http_request_t *r, ngx_int_t status,
    const char *error, const char *reason)
{
    ngx_table_elt_t  *h;

    /* what a client sent: info, as nginx logs other client errors */
    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
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


/* Copies what the variables need into the request: NGX_OK. */
static ngx_int_t
ngx_http_apicred_found(ngx_http_request_t *r, const ac_claims_t *claims,
    const ac_decision_t *d)
{
    u_char                  *p;
    ngx_http_apicred_ctx_t  *ctx;

    ctx = ngx_palloc(r->pool, sizeof(ngx_http_apicred_ctx_t));
    p = ngx_pnalloc(r->pool, claims->client_id_len + d->org_id_len
                             + d->name_len + d->permission_len
                             + claims->jti_len);
    if (ctx == NULL || p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->client_id.data = p;
    ctx->client_id.len = claims->client_id_len;
    p = ngx_cpymem(p, claims->client_id, claims->client_id_len);

    ctx->org_id.data = p;
    ctx->org_id.len = d->org_id_len;
    p = ngx_cpymem(p, d->org_id, d->org_id_len);

    ctx->name.data = p;
    ctx->name.len = d->name_len;
    p = ngx_cpymem(p, d->name, d->name_len);

    ctx->permission.data = p;
    ctx->permission.len = d->permission_len;
    p = ngx_cpymem(p, d->permission, d->permission_len);

    ctx->token_id.data = p;
    ctx->token_id.len = claims->jti_len;
    ngx_memcpy(p, claims->jti, claims->jti_len);

    ngx_http_set_ctx(r, ctx, ngx_http_apicred_module);

    return NGX_OK;
}
