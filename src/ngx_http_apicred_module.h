/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#ifndef _NGX_HTTP_APICRED_MODULE_H_INCLUDED_
#define _NGX_HTTP_APICRED_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ac_check.h"
#include "ac_store.h"


typedef struct {
    ngx_str_t                  store;
    size_t                     map_size;
    ngx_int_t                  cache_size;
    ngx_flag_t                 access_used;
} ngx_http_apicred_main_conf_t;


typedef struct {
    ngx_flag_t                 enable;
    ngx_str_t                  api;
    ac_check_t                 check;         /* all but the target */
    ngx_array_t               *permissions;   /* of ac_str_t */
    ngx_http_complex_value_t  *scope;         /* NULL: off */
    ngx_array_t               *audiences;     /* of ngx_str_t; NULL: any */
    ngx_str_t                  issuer;
    uint64_t                   issuer_hash;
    time_t                     token_ttl;
    time_t                     leeway;
    ngx_str_t                  admin_prefix;
#if (NGX_THREADS)
    ngx_thread_pool_t         *thread_pool;
#endif
} ngx_http_apicred_loc_conf_t;


/* What the access check found: the variables read it. */
typedef struct {
    ngx_str_t                  client_id;
    ngx_str_t                  org_id;
    ngx_str_t                  name;
    ngx_str_t                  permission;
    ngx_str_t                  token_id;
} ngx_http_apicred_ctx_t;


/* A verified token: its claims and where its decision is kept. */
typedef struct {
    const ac_claims_t         *claims;
    ac_decision_t             *decision;      /* the cache's, or local */
    ac_claims_t                verified;
    ac_decision_t              local;
} ngx_http_apicred_auth_t;


/* The worker's store and verified-token cache. */
typedef struct {
    ac_store_t                 store;
    ac_cache_t                 cache;
    ngx_flag_t                 open;
    time_t                     last_attempt;
} ngx_http_apicred_worker_t;


extern ngx_module_t               ngx_http_apicred_module;
extern ngx_http_apicred_worker_t  ngx_http_apicred_worker;


/* The worker's store, opened on first use; NULL (logged) when it fails. */
ac_store_t *ngx_http_apicred_store(ngx_log_t *log);

ngx_int_t ngx_http_apicred_access_handler(ngx_http_request_t *r);
/*
 * Verifies the request's Bearer token: NGX_OK with auth filled in;
 * otherwise the status (400, 401 with WWW-Authenticate set, 503) and, in
 * *error when error is not NULL, its RFC 6750 code (NULL: no credentials).
 */
ngx_int_t ngx_http_apicred_authenticate(ngx_http_request_t *r,
    ngx_http_apicred_loc_conf_t *alcf, ac_store_t **store,
    ngx_http_apicred_auth_t *auth, const char **error);
ngx_int_t ngx_http_apicred_token_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_apicred_admin_handler(ngx_http_request_t *r);

/* 1 when the body is application/json. */
ngx_int_t ngx_http_apicred_is_json(ngx_http_request_t *r);
/* NGX_DECLINED to carry on, or the 415/413 JSON error already sent. */
ngx_int_t ngx_http_apicred_body_check(ngx_http_request_t *r, off_t max,
    ngx_flag_t form);
/* Sends a 405 JSON error with Allow. */
ngx_int_t ngx_http_apicred_not_allowed(ngx_http_request_t *r,
    const char *allow);
/* NGX_DECLINED with the whole body in one buffer, or the 413 JSON error
 * already sent. */
ngx_int_t ngx_http_apicred_body_get(ngx_http_request_t *r, size_t max,
    ngx_str_t *body);
/* Discards the body and sends {"error", "error_description"}. */
ngx_int_t ngx_http_apicred_reject(ngx_http_request_t *r, ngx_uint_t status,
    const char *error, const char *desc);

/* 1 when aud is one of the location's audiences, or when it has none. */
ngx_int_t ngx_http_apicred_audience_ok(ngx_http_apicred_loc_conf_t *alcf,
    const char *aud, size_t len);

/* Sends a JSON body taken from malloc (freed here). */
ngx_int_t ngx_http_apicred_send_json(ngx_http_request_t *r, ngx_uint_t status,
    char *json);
/* Sends {"error", "error_description"}. */
ngx_int_t ngx_http_apicred_send_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *error, const char *desc);


#endif /* _NGX_HTTP_APICRED_MODULE_H_INCLUDED_ */
