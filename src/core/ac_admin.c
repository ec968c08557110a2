/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * The admin API's frame: routes, the caller's role and org, JSON answers.
 * The handlers are in ac_admin_creds.c and ac_admin_catalog.c.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac_admin_internal.h"
#include "ac_json.h"
#include "ac_query.h"


void
ac_admin_respond(ac_admin_t *a, int status, json_t *body)
{
    a->res->status = status;
    a->res->body = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER)
                        : NULL;
    json_decref(body);
}


void
ac_admin_error(ac_admin_t *a, int status, const char *error,
    const char *fmt, ...)
{
    char     desc[AC_ERR_MSG_LEN];
    va_list  args;

    va_start(args, fmt);
    vsnprintf(desc, sizeof(desc), fmt, args);
    va_end(args);

    ac_admin_respond(a, status, json_pack("{s:s, s:s}", "error", error,
                                    "error_description", desc));
}


/* Maps a core error to its HTTP answer. */
void
ac_admin_fail(ac_admin_t *a, int rc, const ac_err_t *err)
{
    const char  *msg = err->msg[0] ? err->msg : ac_strerror(rc);

    switch (rc) {

    case AC_EMALFORMED:
        ac_admin_error(a, 400, "invalid_request", "%s", msg);
        break;

    case AC_EINVAL:
        ac_admin_error(a, 422, "invalid_field", "%s", msg);
        break;

    case AC_ENOTFOUND:
        ac_admin_error(a, 404, "not_found", "%s", msg);
        break;

    case AC_ECONFLICT:
        ac_admin_error(a, 409, "conflict", "%s", msg);
        break;

    case AC_EFORBIDDEN:
        ac_admin_error(a, 403, "insufficient_scope", "%s", msg);
        break;

    case AC_EFULL:
        ac_admin_error(a, 507, "insufficient_storage", "%s", msg);
        break;

    default:
        ac_admin_error(a, 503, "temporarily_unavailable", "%s", msg);
    }
}


/* Reads one query parameter, form-decoded; 1 when present. */
int
ac_admin_arg(ac_admin_t *a, const char *name, char *buf, size_t size)
{
    long         n;
    size_t       nlen = strlen(name);
    const char  *p, *end, *amp;

    p = a->req->query;
    end = p + a->req->query_len;

    for ( /* void */ ; p != NULL && p < end; p = amp + 1) {
        amp = memchr(p, '&', end - p);
        if (amp == NULL) {
            amp = end;
        }

        if ((size_t) (amp - p) > nlen && memcmp(p, name, nlen) == 0
            && p[nlen] == '=' && (size_t) (amp - p - nlen - 1) < size)
        {
            n = ac_form_decode(p + nlen + 1, amp - p - nlen - 1, buf);
            if (n >= 0 && memchr(buf, '\0', n) == NULL) {
                buf[n] = '\0';
                return 1;
            }
        }
    }

    return 0;
}


/* ?limit= (1..1000, default 100) and ?after=; 0 when bad (answered). */
int
ac_admin_page_args(ac_admin_t *a, size_t *limit, char *after, size_t size,
    const char **after_p)
{
    char      buf[16];
    uint64_t  n;

    *limit = AC_LIMIT_DEFAULT;

    if (ac_admin_arg(a, "limit", buf, sizeof(buf))) {
        n = ac_id_parse(buf, strlen(buf));
        if (n == 0 || n > AC_LIMIT_MAX) {
            ac_admin_error(a, 422, "invalid_field", "limit: 1 to %d",
                     AC_LIMIT_MAX);
            return 0;
        }
        *limit = n;
    }

    *after_p = ac_admin_arg(a, "after", after, size) && after[0] ? after : NULL;

    return 1;
}


void
ac_admin_page(ac_admin_t *a, json_t *page)
{
    if (page == NULL) {
        ac_admin_error(a, 503, "temporarily_unavailable",
                       "cannot read the store");
        return;
    }

    ac_admin_respond(a, 200, page);
}


/* The body's object; 0 (answered) when it is missing or not an object. */
int
ac_admin_need_body(ac_admin_t *a, const char *const *fields)
{
    if (a->body == NULL) {
        ac_admin_error(a, 400, "invalid_request",
                       "a JSON object body is required");
        return 0;
    }

    if (ac_json_only(a->body, fields, "", &a->err) != AC_OK) {
        ac_admin_fail(a, a->err.code, &a->err);
        return 0;
    }

    return 1;
}


/* A string member: 1 and copied when present and valid, 0 when absent,
 * -1 (answered) when invalid. */
int
ac_admin_member_str(ac_admin_t *a, const char *name, char *buf, size_t max)
{
    json_t  *v = json_object_get(a->body, name);

    if (v == NULL) {
        return 0;
    }

    if (!json_is_string(v) || json_string_length(v) == 0
        || json_string_length(v) > max
        || strlen(json_string_value(v)) != json_string_length(v))
    {
        ac_admin_error(a, 422, "invalid_field",
                       "%s: must be a string of 1 to %zu bytes", name, max);
        return -1;
    }

    strcpy(buf, json_string_value(v));

    return 1;
}


/* An id member, like ac_admin_member_str. */
int
ac_admin_member_id(ac_admin_t *a, const char *name, uint64_t *id)
{
    json_t  *v = json_object_get(a->body, name);

    if (v == NULL) {
        return 0;
    }

    if (!json_is_integer(v) || json_integer_value(v) <= 0
        || (uint64_t) json_integer_value(v) > AC_ID_MAX)
    {
        ac_admin_error(a, 422, "invalid_field",
                       "%s: must be a positive integer", name);
        return -1;
    }

    *id = (uint64_t) json_integer_value(v);

    return 1;
}


static const ac_route_t  ac_routes[] = {

    /* resource, id?, action, Allow,
     * GET, POST, PATCH, DELETE, least role that may change, level */

    { "credentials", 0, NULL, "GET, POST",
      ac_admin_creds_list, ac_admin_creds_create, NULL, NULL,
      AC_ROLE_COMPLIANCE, 0 },

    { "credentials", 1, NULL, "GET, PATCH, DELETE",
      ac_admin_cred_view_one, NULL, ac_admin_cred_patch, ac_admin_cred_remove,
      AC_ROLE_COMPLIANCE, 0 },

    { "credentials", 1, "activate", "POST",
      NULL, ac_admin_cred_activate, NULL, NULL,
      AC_ROLE_COMPLIANCE, 0 },

    { "credentials", 1, "deactivate", "POST",
      NULL, ac_admin_cred_deactivate, NULL, NULL,
      AC_ROLE_COMPLIANCE, 0 },

    { "credentials", 1, "rotate", "POST",
      NULL, ac_admin_cred_rotate_one, NULL, NULL,
      AC_ROLE_COMPLIANCE, 0 },

    { "apis", 0, NULL, "GET, POST",
      ac_admin_apis_list, ac_admin_apis_create, NULL, NULL,
      AC_ROLE_ADMIN, 0 },

    { "apis", 1, NULL, "GET, PATCH, DELETE",
      ac_admin_api_view_one, NULL, ac_admin_api_patch, ac_admin_api_remove,
      AC_ROLE_ADMIN, 0 },

    { "orgs", 0, NULL, "GET, POST",
      ac_admin_nodes_list, ac_admin_nodes_create, NULL, NULL,
      AC_ROLE_ADMIN, AC_LEVEL_ORG },

    { "orgs", 1, NULL, "GET",
      ac_admin_node_view_one, NULL, NULL, NULL,
      AC_ROLE_ADMIN, AC_LEVEL_ORG },

    { "accounts", 0, NULL, "GET, POST",
      ac_admin_nodes_list, ac_admin_nodes_create, NULL, NULL,
      AC_ROLE_ADMIN, AC_LEVEL_ACCOUNT },

    { "accounts", 1, NULL, "GET",
      ac_admin_node_view_one, NULL, NULL, NULL,
      AC_ROLE_ADMIN, AC_LEVEL_ACCOUNT },

    { "workspaces", 0, NULL, "GET, POST",
      ac_admin_nodes_list, ac_admin_nodes_create, NULL, NULL,
      AC_ROLE_ADMIN, AC_LEVEL_WORKSPACE },

    { "workspaces", 1, NULL, "GET",
      ac_admin_node_view_one, NULL, NULL, NULL,
      AC_ROLE_ADMIN, AC_LEVEL_WORKSPACE },

    { "audit", 0, NULL, "GET",
      ac_admin_audit_list, NULL, NULL, NULL,
      AC_ROLE_ADMIN, 0 },
};


/* Splits "res[/id[/action]]" (one trailing slash allowed). */
static const ac_route_t *
ac_route(ac_admin_t *a, char *action, size_t asize)
{
    size_t       i, n, len = a->req->path_len;
    const char  *p = a->req->path, *s1, *s2;
    char         res[16];

    if (len > 0 && p[len - 1] == '/') {
        len--;
    }

    s1 = memchr(p, '/', len);
    n = s1 ? (size_t) (s1 - p) : len;

    if (n == 0 || n >= sizeof(res)) {
        return NULL;
    }

    memcpy(res, p, n);
    res[n] = '\0';
    a->id[0] = '\0';
    action[0] = '\0';

    if (s1 != NULL) {
        s2 = memchr(s1 + 1, '/', p + len - s1 - 1);
        n = (s2 ? s2 : p + len) - s1 - 1;

        if (n == 0 || n > AC_SLUG_MAX) {
            return NULL;
        }

        memcpy(a->id, s1 + 1, n);
        a->id[n] = '\0';

        if (s2 != NULL) {
            n = p + len - s2 - 1;
            if (n == 0 || n >= asize || memchr(s2 + 1, '/', n)) {
                return NULL;
            }
            memcpy(action, s2 + 1, n);
            action[n] = '\0';
        }
    }

    for (i = 0; i < sizeof(ac_routes) / sizeof(ac_routes[0]); i++) {
        if (strcmp(ac_routes[i].resource, res) == 0
            && ac_routes[i].has_id == (a->id[0] != '\0')
            && ((ac_routes[i].action == NULL && action[0] == '\0')
                || (ac_routes[i].action != NULL
                    && strcmp(ac_routes[i].action, action) == 0)))
        {
            return &ac_routes[i];
        }
    }

    return NULL;
}


/* Loads the caller's credential and its role; 0 when answered (401/403). */
static int
ac_caller(ac_admin_t *a)
{
    int       rc;
    size_t    i;
    MDB_txn  *txn;

    static const char  *roles[] = { "admin", "compliance_admin", "read_only" };

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_admin_page(a, NULL);
        return 0;
    }

    rc = strlen(a->req->caller) <= AC_SLUG_MAX
         ? ac_cred_get(a->store, txn, a->req->caller, &a->caller)
         : AC_ENOTFOUND;
    mdb_txn_abort(txn);

    if (rc != AC_OK && rc != AC_ENOTFOUND) {
        ac_admin_page(a, NULL);
        return 0;
    }

    if (rc == AC_ENOTFOUND || !a->caller.active
        || a->caller.gen != a->req->caller_gen)
    {
        ac_admin_error(a, 401, "invalid_token", "the token's credential is "
                 "deleted, inactive or was deactivated since");
        return 0;
    }

    for (i = 0; i < a->caller.ngrants; i++) {
        if (strcmp(a->caller.grants[i].api, "credentials") != 0) {
            continue;
        }

        for (a->role = AC_ROLE_ADMIN; a->role <= AC_ROLE_READ; a->role++) {
            if (strcmp(a->caller.grants[i].permission, roles[a->role]) == 0) {
                return 1;
            }
        }
    }

    ac_admin_error(a, 403, "insufficient_scope", "the credentials API is not "
             "granted to this credential");

    return 0;
}


void
ac_admin_handle(ac_store_t *s, const ac_admin_req_t *req, ac_admin_res_t *res)
{
    char               action[16];
    ac_admin_t         a;
    ac_admin_pt        h;
    json_error_t       jerr;
    const ac_route_t  *route;

    memset(&a, 0, sizeof(a));
    a.store = s;
    a.req = req;
    a.res = res;
    res->allow = NULL;

    route = ac_route(&a, action, sizeof(action));
    a.route = route;

    if (route == NULL) {
        ac_admin_error(&a, 404, "not_found", "no such admin API path");
        return;
    }

    h = strcmp(req->method, "GET") == 0 ? route->get
        : strcmp(req->method, "POST") == 0 ? route->post
        : strcmp(req->method, "PATCH") == 0 ? route->patch
        : strcmp(req->method, "DELETE") == 0 ? route->del : NULL;

    if (h == NULL) {
        res->allow = route->allow;
        ac_admin_error(&a, 405, "method_not_allowed", "this path allows %s",
                 route->allow);
        return;
    }

    if (!ac_caller(&a)) {
        ac_cred_free(&a.caller);
        return;
    }

    if (h != route->get && a.role > route->write_role) {
        ac_admin_error(&a, 403, "insufficient_scope",
                       "your credentials:%s may not do this",
                       a.role == AC_ROLE_READ ? "read_only"
                                              : "compliance_admin");
        ac_cred_free(&a.caller);
        return;
    }

    if (req->body != NULL && req->body_len > 0) {
        a.body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES,
                            &jerr);
        if (a.body == NULL) {
            ac_admin_error(&a, 400, "invalid_request", "malformed JSON: %s",
                     jerr.text);
            ac_cred_free(&a.caller);
            return;
        }

        if (!json_is_object(a.body)) {
            json_decref(a.body);
            ac_admin_error(&a, 422, "invalid_field",
                           "body: must be a JSON object");
            ac_cred_free(&a.caller);
            return;
        }
    }

    a.ops.store = s;
    a.ops.actor = a.caller.client_id;
    a.ops.org_id = a.caller.org_id;
    a.ops.grantor = a.role == AC_ROLE_ADMIN ? NULL : &a.caller;

    h(&a);

    json_decref(a.body);
    ac_cred_free(&a.caller);
}
