/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Directives, configuration, variables and the worker's store.
 */


#include "ngx_http_apicred_module.h"
#include "ac_oauth.h"
#include "ac_secret.h"


#define NGX_HTTP_APICRED_CACHE_DEFAULT  4096


static ngx_int_t ngx_http_apicred_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);

static ngx_int_t ngx_http_apicred_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_apicred_init(ngx_conf_t *cf);
static void *ngx_http_apicred_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_apicred_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_apicred_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_apicred_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_apicred_init_process(ngx_cycle_t *cycle);
static void ngx_http_apicred_exit_process(ngx_cycle_t *cycle);

static char *ngx_http_apicred_store_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_apicred(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_apicred_permission(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_apicred_scope(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_apicred_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_apicred_content(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_apicred_admin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_apicred_positive_sec(ngx_conf_t *cf, void *post,
    void *data);


static ngx_conf_post_handler_pt  ngx_http_apicred_positive_sec_p =
    ngx_http_apicred_positive_sec;


static ngx_command_t  ngx_http_apicred_commands[] = {

    { ngx_string("apicred_store"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_apicred_store_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apicred_token_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_apicred_cache,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apicred_token_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apicred_loc_conf_t, token_ttl),
      &ngx_http_apicred_positive_sec_p },

    { ngx_string("apicred_issuer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apicred_loc_conf_t, issuer),
      NULL },

    { ngx_string("apicred_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apicred_loc_conf_t, leeway),
      NULL },

    { ngx_string("apicred"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apicred,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apicred_permission"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_apicred_permission,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apicred_audience"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_conf_set_str_array_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_apicred_loc_conf_t, audiences),
      NULL },

    { ngx_string("apicred_scope"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_apicred_scope,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("apicred_admin_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_apicred_admin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_apicred_admin_handler },

    { ngx_string("apicred_token_endpoint"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_apicred_content,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_apicred_token_handler },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_apicred_module_ctx = {
    ngx_http_apicred_add_variables,        /* preconfiguration */
    ngx_http_apicred_init,                 /* postconfiguration */

    ngx_http_apicred_create_main_conf,     /* create main configuration */
    ngx_http_apicred_init_main_conf,       /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_apicred_create_loc_conf,      /* create location configuration */
    ngx_http_apicred_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_apicred_module = {
    NGX_MODULE_V1,
    &ngx_http_apicred_module_ctx,          /* module context */
    ngx_http_apicred_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_apicred_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_apicred_exit_process,         /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_variable_t  ngx_http_apicred_vars[] = {

    { ngx_string("apicred_client_id"), NULL, ngx_http_apicred_variable,
      offsetof(ngx_http_apicred_ctx_t, client_id), NGX_HTTP_VAR_NOCACHEABLE,
      0 },

    { ngx_string("apicred_org_id"), NULL, ngx_http_apicred_variable,
      offsetof(ngx_http_apicred_ctx_t, org_id), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apicred_credential_name"), NULL, ngx_http_apicred_variable,
      offsetof(ngx_http_apicred_ctx_t, name), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("apicred_permission"), NULL, ngx_http_apicred_variable,
      offsetof(ngx_http_apicred_ctx_t, permission), NGX_HTTP_VAR_NOCACHEABLE,
      0 },

    { ngx_string("apicred_token_id"), NULL, ngx_http_apicred_variable,
      offsetof(ngx_http_apicred_ctx_t, token_id), NGX_HTTP_VAR_NOCACHEABLE,
      0 },

      ngx_http_null_variable
};


ngx_http_apicred_worker_t  ngx_http_apicred_worker;

static ngx_str_t  ngx_http_apicred_default_issuer = ngx_string("apicred");


ac_store_t *
ngx_http_apicred_store(ngx_log_t *log)
{
    int                            rc;
    ngx_http_apicred_main_conf_t  *amcf;
    ngx_http_apicred_worker_t     *w = &ngx_http_apicred_worker;

    if (w->open) {
        return &w->store;
    }

    /* a store that failed to open is retried at most once a second */
    if (w->last_attempt == ngx_time()) {
        return NULL;
    }

    w->last_attempt = ngx_time();

    amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_apicred_module);
    if (amcf == NULL || amcf->store.len == 0) {
        return NULL;
    }

    rc = ac_store_open(&w->store, (char *) amcf->store.data, 0,
                       amcf->map_size);
    if (rc != AC_OK) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "apicred: cannot open store \"%V\": %s (%s)",
                      &amcf->store, ac_strerror(rc),
                      ac_store_strerror(&w->store));
        return NULL;
    }

    w->open = 1;

    return &w->store;
}


static ngx_int_t
ngx_http_apicred_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    ngx_str_t               *s;
    ngx_http_apicred_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apicred_module);

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    s = (ngx_str_t *) ((char *) ctx + data);

    v->len = s->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = s->data;

    return NGX_OK;
}


ngx_int_t
ngx_http_apicred_audience_ok(ngx_http_apicred_loc_conf_t *alcf,
    const char *aud, size_t len)
{
    ngx_str_t   *a;
    ngx_uint_t   i;

    if (alcf->audiences == NULL) {
        return 1;
    }

    a = alcf->audiences->elts;

    for (i = 0; i < alcf->audiences->nelts; i++) {
        if (a[i].len == len && ngx_memcmp(a[i].data, aud, len) == 0) {
            return 1;
        }
    }

    return 0;
}


ngx_int_t
ngx_http_apicred_send_json(ngx_http_request_t *r, ngx_uint_t status,
    char *json)
{
    size_t        len;
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    if (json == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_strlen(json);

    b = ngx_create_temp_buf(r->pool, len + 1);
    if (b == NULL) {
        free(json);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->pos, json, len);
    *b->last++ = '\n';
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;
    free(json);

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_http_apicred_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *error, const char *desc)
{
    return ngx_http_apicred_send_json(r, status,
                                      ac_oauth_error_json(error, desc));
}


/* 1 when the request's media type is mt (parameters ignored). */
static ngx_int_t
ngx_http_apicred_media_type(ngx_http_request_t *r, const char *mt)
{
    size_t            len = ngx_strlen(mt);
    ngx_table_elt_t  *ct = r->headers_in.content_type;

    return ct != NULL && ct->value.len >= len
           && ngx_strncasecmp(ct->value.data, (u_char *) mt, len) == 0
           && (ct->value.len == len || ct->value.data[len] == ';'
               || ct->value.data[len] == ' ');
}


ngx_int_t
ngx_http_apicred_is_json(ngx_http_request_t *r)
{
    return ngx_http_apicred_media_type(r, "application/json");
}


ngx_int_t
ngx_http_apicred_reject(ngx_http_request_t *r, ngx_uint_t status,
    const char *error, const char *desc)
{
    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_apicred_send_error(r, status, error, desc);
}


ngx_int_t
ngx_http_apicred_not_allowed(ngx_http_request_t *r, const char *allow)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Allow");
    h->value.data = (u_char *) allow;
    h->value.len = ngx_strlen(allow);

    return ngx_http_apicred_reject(r, NGX_HTTP_NOT_ALLOWED,
                                   "invalid_request", "method not allowed");
}


ngx_int_t
ngx_http_apicred_body_check(ngx_http_request_t *r, off_t max, ngx_flag_t form)
{
    if (!ngx_http_apicred_is_json(r)
        && !(form && ngx_http_apicred_media_type(r,
                         "application/x-www-form-urlencoded")))
    {
        return ngx_http_apicred_reject(r, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                       "invalid_request",
                                       form ? "the body must be "
                                              "application/json or "
                                              "application/"
                                              "x-www-form-urlencoded"
                                            : "the body must be "
                                              "application/json");
    }

    if (r->headers_in.content_length_n > max) {
        return ngx_http_apicred_reject(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                       "invalid_request",
                                       "the body is too large");
    }

    return NGX_DECLINED;
}


ngx_int_t
ngx_http_apicred_body_get(ngx_http_request_t *r, size_t max, ngx_str_t *body)
{
    size_t        len = 0, n;
    ssize_t       got;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    ngx_str_null(body);

    if (r->request_body == NULL) {
        return NGX_DECLINED;
    }

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        len += ngx_buf_size(cl->buf);
    }

    /* a chunked body has no Content-Length to check up front */
    if (len > max) {
        return ngx_http_apicred_send_error(r,
                                           NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                           "invalid_request",
                                           "the body is too large");
    }

    body->data = ngx_pnalloc(r->pool, len + 1);
    if (body->data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body->len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;
        n = ngx_buf_size(b);

        if (b->in_file) {
            got = ngx_read_file(b->file, body->data + body->len, n,
                                b->file_pos);
            if (got != (ssize_t) n) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

        } else {
            ngx_memcpy(body->data + body->len, b->pos, n);
        }

        body->len += n;
    }

    body->data[body->len] = '\0';

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_apicred_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_apicred_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apicred_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt           *h;
    ngx_http_core_main_conf_t     *cmcf;
    ngx_http_apicred_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apicred_module);

    /* the access phase is hooked only when "apicred" is used */
    if (!amcf->access_used) {
        return NGX_OK;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_apicred_access_handler;

    return NGX_OK;
}


static void *
ngx_http_apicred_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_apicred_main_conf_t  *amcf;

    amcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_apicred_main_conf_t));
    if (amcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     amcf->store = { 0, NULL };
     *     amcf->map_size = 0;
     *     amcf->access_used = 0;
     */

    amcf->cache_size = NGX_CONF_UNSET;

    return amcf;
}


static char *
ngx_http_apicred_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_apicred_main_conf_t  *amcf = conf;

    ngx_conf_init_value(amcf->cache_size, NGX_HTTP_APICRED_CACHE_DEFAULT);

    return NGX_CONF_OK;
}


static void *
ngx_http_apicred_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_apicred_loc_conf_t  *alcf;

    alcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_apicred_loc_conf_t));
    if (alcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     alcf->api = { 0, NULL };
     *     alcf->issuer = { 0, NULL };
     *     alcf->issuer_hash = 0;
     */

    alcf->enable = NGX_CONF_UNSET;
    alcf->permissions = NGX_CONF_UNSET_PTR;
    alcf->scope = NGX_CONF_UNSET_PTR;
    alcf->audiences = NGX_CONF_UNSET_PTR;
    alcf->token_ttl = NGX_CONF_UNSET;
    alcf->leeway = NGX_CONF_UNSET;

    return alcf;
}


static char *
ngx_http_apicred_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_apicred_loc_conf_t  *prev = parent;
    ngx_http_apicred_loc_conf_t  *conf = child;

    ngx_http_apicred_main_conf_t  *amcf;

    if (conf->enable == NGX_CONF_UNSET) {
        conf->enable = prev->enable;
        conf->api = prev->api;
    }

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_ptr_value(conf->permissions, prev->permissions, NULL);
    ngx_conf_merge_ptr_value(conf->scope, prev->scope, NULL);
    ngx_conf_merge_ptr_value(conf->audiences, prev->audiences, NULL);
    ngx_conf_merge_str_value(conf->issuer, prev->issuer,
                             ngx_http_apicred_default_issuer.data);
    ngx_conf_merge_sec_value(conf->token_ttl, prev->token_ttl, 8 * 3600);
    ngx_conf_merge_sec_value(conf->leeway, prev->leeway, 0);

    if (conf->issuer.len > AC_ISS_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"apicred_issuer\" is longer than %d bytes",
                           AC_ISS_MAX);
        return NGX_CONF_ERROR;
    }

    conf->issuer_hash = ac_cache_iss_hash((char *) conf->issuer.data,
                                          conf->issuer.len);

    conf->check.where = conf;
    conf->check.api.data = (char *) conf->api.data;
    conf->check.api.len = conf->api.len;
    conf->check.perms = conf->permissions ? conf->permissions->elts : NULL;
    conf->check.nperms = conf->permissions ? conf->permissions->nelts : 0;
    conf->check.scoped = conf->scope != NULL;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apicred_module);

    if (conf->enable && amcf->store.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"apicred\" requires \"apicred_store\"");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_apicred_init_process(ngx_cycle_t *cycle)
{
    ngx_http_apicred_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_apicred_module);

    if (amcf == NULL || amcf->store.len == 0) {
        return NGX_OK;
    }

    if (ac_crypto_init() != AC_OK) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "apicred: libsodium failed to initialise");
        return NGX_ERROR;
    }

    if (ac_cache_init(&ngx_http_apicred_worker.cache,
                      (size_t) amcf->cache_size)
        != AC_OK)
    {
        return NGX_ERROR;
    }

    /* opened here, in each worker, never in the master before fork() */
    (void) ngx_http_apicred_store(cycle->log);

    return NGX_OK;
}


static void
ngx_http_apicred_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_apicred_worker_t  *w = &ngx_http_apicred_worker;

    if (w->open) {
        ac_store_close(&w->store);
        w->open = 0;
    }

    ac_cache_free(&w->cache);
}


static char *
ngx_http_apicred_store_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_apicred_main_conf_t *amcf = conf;

    u_char           *p;
    ssize_t           size;
    ngx_str_t        *value, path;
    ngx_file_info_t   fi;

    if (amcf->store.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_file_info(path.data, &fi) == NGX_FILE_ERROR
        || !ngx_is_dir(&fi))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "apicred_store \"%V\" is not a directory "
                           "(create it with \"apicredctl -s %V init\")",
                           &path, &path);
        return NGX_CONF_ERROR;
    }

    amcf->store = path;

    if (cf->args->nelts == 3) {
        if (ngx_strncmp(value[2].data, "map_size=", 9) != 0) {
            return "has an invalid parameter, expected \"map_size=\"";
        }

        p = value[2].data + 9;
        value[2].len -= 9;
        value[2].data = p;

        size = ngx_parse_size(&value[2]);
        if (size == NGX_ERROR || size < 1024 * 1024) {
            return "has an invalid \"map_size\", at least 1m";
        }

        amcf->map_size = (size_t) size;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_apicred_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apicred_main_conf_t *amcf = conf;

    ngx_str_t  *value;

    if (amcf->cache_size != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        amcf->cache_size = 0;
        return NGX_CONF_OK;
    }

    amcf->cache_size = ngx_atoi(value[1].data, value[1].len);

    if (amcf->cache_size <= 0 || amcf->cache_size > 1024 * 1024) {
        return "must be \"off\" or a number of entries up to 1048576";
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_apicred(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apicred_loc_conf_t *alcf = conf;

    ngx_str_t                     *value;
    ngx_http_apicred_main_conf_t  *amcf;

    if (alcf->enable != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        alcf->enable = 0;
        return NGX_CONF_OK;
    }

    if (!ac_slug_valid((char *) value[1].data, value[1].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid API slug \"%V\" (a-z 0-9 _ -, starting "
                           "with a letter)", &value[1]);
        return NGX_CONF_ERROR;
    }

    alcf->enable = 1;
    alcf->api = value[1];

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apicred_module);
    amcf->access_used = 1;

    return NGX_CONF_OK;
}


static char *
ngx_http_apicred_permission(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apicred_loc_conf_t *alcf = conf;

    ac_str_t    *perm;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (alcf->permissions != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    alcf->permissions = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                         sizeof(ac_str_t));
    if (alcf->permissions == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (!ac_slug_valid((char *) value[i].data, value[i].len)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid permission \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        perm = ngx_array_push(alcf->permissions);
        if (perm == NULL) {
            return NGX_CONF_ERROR;
        }

        perm->data = (char *) value[i].data;
        perm->len = value[i].len;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_apicred_scope(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apicred_loc_conf_t *alcf = conf;

    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    if (alcf->scope != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        alcf->scope = NULL;
        return NGX_CONF_OK;
    }

    alcf->scope = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (alcf->scope == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = alcf->scope;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_apicred_content(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apicred_loc_conf_t *alcf = conf;

    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_apicred_main_conf_t  *amcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler != NULL) {
        return "is duplicate";
    }

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apicred_module);

    if (amcf->store.len == 0) {
        return "requires \"apicred_store\" before it";
    }

    clcf->handler = (ngx_http_handler_pt) cmd->post;

    /* these check their own callers: an inherited "apicred" is not theirs */
    if (alcf->enable == NGX_CONF_UNSET) {
        alcf->enable = 0;
    }

    return NGX_CONF_OK;
}


/* apicred_admin_api [pool=name]: the handler, its prefix, its threads. */
static char *
ngx_http_apicred_admin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_apicred_loc_conf_t *alcf = conf;

    char                      *rv;
    ngx_str_t                 *value, pool;
    ngx_http_core_loc_conf_t  *clcf;

    rv = ngx_http_apicred_content(cf, cmd, conf);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    alcf->admin_prefix = clcf->name;

    value = cf->args->elts;
    ngx_str_null(&pool);

    if (cf->args->nelts == 2) {
        if (ngx_strncmp(value[1].data, "pool=", 5) != 0
            || value[1].len == 5)
        {
            return "has an invalid parameter, expected \"pool=name\"";
        }

        pool.data = value[1].data + 5;
        pool.len = value[1].len - 5;
    }

#if (NGX_THREADS)
    /* admin writes wait for LMDB's write lock: never in the event loop */
    alcf->thread_pool = ngx_thread_pool_add(cf, pool.len ? &pool : NULL);
    if (alcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }
#endif

    return NGX_CONF_OK;
}


static char *
ngx_http_apicred_positive_sec(ngx_conf_t *cf, void *post, void *data)
{
    time_t  *sec = data;

    if (*sec <= 0) {
        return "must be positive";
    }

    return NGX_CONF_OK;
}
