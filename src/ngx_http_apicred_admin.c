/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * The admin API: HTTP in and out. The caller's token is verified here, in
 * the event loop; the request itself runs in a thread-pool task, because a
 * write waits for LMDB's write lock and must never stall the worker.
 */


#include "ngx_http_apicred_module.h"
#include "ac_admin.h"


typedef struct {
    ngx_http_request_t  *request;
    ac_admin_req_t       req;
    ac_admin_res_t       res;
    ac_store_t          *store;
} ngx_http_apicred_job_t;


static void ngx_http_apicred_admin_body(ngx_http_request_t *r);
static void ngx_http_apicred_admin_start(ngx_http_request_t *r);
static void ngx_http_apicred_admin_run(void *data, ngx_log_t *log);
static ngx_int_t ngx_http_apicred_admin_send(ngx_http_request_t *r,
    ac_admin_res_t *res);
#if (NGX_THREADS)
static void ngx_http_apicred_admin_done(ngx_event_t *ev);
#endif


ngx_int_t
ngx_http_apicred_admin_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    if ((r->method & (NGX_HTTP_POST|NGX_HTTP_PATCH))
        && (r->headers_in.content_length_n > 0 || r->headers_in.chunked))
    {
        rc = ngx_http_apicred_body_check(r, AC_ADMIN_BODY_MAX, 0);
        if (rc != NGX_DECLINED) {
            return rc;
        }

        rc = ngx_http_read_client_request_body(r, ngx_http_apicred_admin_body);
        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }

        return NGX_DONE;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    r->main->count++;
    ngx_http_apicred_admin_start(r);

    return NGX_DONE;
}


static void
ngx_http_apicred_admin_body(ngx_http_request_t *r)
{
    ngx_http_apicred_admin_start(r);
}


static void
ngx_http_apicred_admin_start(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_str_t                     body, path;
    ac_store_t                   *store;
    const char                   *error;
    const ac_claims_t            *claims;
    ngx_http_apicred_auth_t       auth;
    ngx_http_apicred_job_t       *job;
    ngx_http_apicred_loc_conf_t  *alcf;
#if (NGX_THREADS)
    ngx_thread_task_t            *task;
#endif

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apicred_module);

    rc = ngx_http_apicred_body_get(r, AC_ADMIN_BODY_MAX, &body);
    if (rc != NGX_DECLINED) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    rc = ngx_http_apicred_authenticate(r, alcf, &store, &auth, &error);
    if (rc != NGX_OK) {
        ngx_http_finalize_request(r,
            ngx_http_apicred_send_error(r, rc, error ? error : "invalid_token",
                                        rc == NGX_HTTP_UNAUTHORIZED
                                        ? "a Bearer token is required"
                                        : "the Bearer token is not usable"));
        return;
    }

    claims = auth.claims;

#if (NGX_THREADS)
    task = ngx_thread_task_alloc(r->pool, sizeof(ngx_http_apicred_job_t));
    job = task ? task->ctx : NULL;
#else
    job = ngx_pcalloc(r->pool, sizeof(ngx_http_apicred_job_t));
#endif

    path = r->uri;

    if (path.len >= alcf->admin_prefix.len
        && ngx_strncmp(path.data, alcf->admin_prefix.data,
                       alcf->admin_prefix.len) == 0)
    {
        path.data += alcf->admin_prefix.len;
        path.len -= alcf->admin_prefix.len;
    }

    if (path.len > 0 && path.data[0] == '/') {
        path.data++;
        path.len--;
    }

    if (job == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    job->request = r;
    job->store = store;
    job->req.method = ngx_pnalloc(r->pool, r->method_name.len + 1);
    job->req.path = (char *) path.data;
    job->req.path_len = path.len;
    job->req.query = (char *) r->args.data;
    job->req.query_len = r->args.len;
    job->req.body = (char *) body.data;
    job->req.body_len = body.len;
    job->req.caller = (char *) ngx_pnalloc(r->pool, claims->client_id_len + 1);
    job->req.caller_gen = claims->gen;

    if (job->req.method == NULL || job->req.caller == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_cpystrn((u_char *) job->req.method, r->method_name.data,
                r->method_name.len + 1);
    ngx_cpystrn((u_char *) job->req.caller, (u_char *) claims->client_id,
                claims->client_id_len + 1);

#if (NGX_THREADS)
    task->handler = ngx_http_apicred_admin_run;
    task->event.data = job;
    task->event.handler = ngx_http_apicred_admin_done;

    if (ngx_thread_task_post(alcf->thread_pool, task) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->main->blocked++;
    r->aio = 1;
#else
    ngx_http_apicred_admin_run(job, r->connection->log);
    ngx_http_finalize_request(r, ngx_http_apicred_admin_send(r, &job->res));
#endif
}


/* In a thread: only the job's own data and the store's own transactions. */
static void
ngx_http_apicred_admin_run(void *data, ngx_log_t *log)
{
    ngx_http_apicred_job_t  *job = data;

    ac_admin_handle(job->store, &job->req, &job->res);
}


#if (NGX_THREADS)

static void
ngx_http_apicred_admin_done(ngx_event_t *ev)
{
    ngx_connection_t        *c;
    ngx_http_request_t      *r;
    ngx_http_apicred_job_t  *job = ev->data;

    r = job->request;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    r->main->blocked--;
    r->aio = 0;

    ngx_http_finalize_request(r, ngx_http_apicred_admin_send(r, &job->res));
    ngx_http_run_posted_requests(c);
}

#endif


static ngx_int_t
ngx_http_apicred_admin_send(ngx_http_request_t *r, ac_admin_res_t *res)
{
    ngx_table_elt_t  *h;

    if (res->status >= 500) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apicred: admin API: the store failed (%i)",
                      (ngx_int_t) res->status);
    }

    if (res->allow != NULL || res->status == NGX_HTTP_UNAUTHORIZED) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            free(res->body);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;

        if (res->allow != NULL) {
            ngx_str_set(&h->key, "Allow");
            h->value.data = (u_char *) res->allow;
            h->value.len = ngx_strlen(res->allow);

        } else {
            ngx_str_set(&h->key, "WWW-Authenticate");
            ngx_str_set(&h->value,
                        "Bearer realm=\"apicred\", error=\"invalid_token\"");
        }
    }

    if (res->body == NULL) {
        r->headers_out.status = res->status;
        r->headers_out.content_length_n = 0;
        r->header_only = 1;
        return ngx_http_send_header(r);
    }

    return ngx_http_apicred_send_json(r, res->status, res->body);
}
