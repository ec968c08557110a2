/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>

#include "ac_admin.h"
#include "ac_json.h"
#include "ac_ops.h"
#include "ac_query.h"


enum {
    AC_ROLE_ADMIN = 0,
    AC_ROLE_COMPLIANCE,
    AC_ROLE_READ
};

typedef struct ac_admin_s  ac_admin_t;
typedef struct ac_route_s  ac_route_t;

typedef void (*ac_admin_pt)(ac_admin_t *a);

/* One request being handled. */
struct ac_admin_s {
    ac_store_t            *store;
    const ac_route_t      *route;
    const ac_admin_req_t  *req;
    ac_admin_res_t        *res;
    ac_cred_t              caller;
    int                    role;
    json_t                *body;
    char                   id[AC_SLUG_MAX + 1];   /* the path's id, if any */
    ac_ops_t               ops;
};

struct ac_route_s {
    const char   *resource;
    int           has_id;
    const char   *action;
    const char   *allow;
    ac_admin_pt   get;
    ac_admin_pt   post;
    ac_admin_pt   patch;
    ac_admin_pt   del;
    int           write_role;      /* the least role that may change it */
    int           level;           /* of orgs, accounts, workspaces */
};


static void
ac_respond(ac_admin_t *a, int status, json_t *body)
{
    a->res->status = status;
    a->res->body = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER)
                        : NULL;
    json_decref(body);
}


static void
ac_error(ac_admin_t *a, int status, const char *error, const char *fmt, ...)
{
    char     desc[AC_ERR_MSG_LEN];
    va_list  args;

    va_start(args, fmt);
    vsnprintf(desc, sizeof(desc), fmt, args);
    va_end(args);

    ac_respond(a, status, json_pack("{s:s, s:s}", "error", error,
                                    "error_description", desc));
}


/* Maps a core error to its HTTP answer. */
static void
ac_fail_res(ac_admin_t *a, int rc, const ac_err_t *err)
{
    const char  *msg = err->msg[0] ? err->msg : ac_strerror(rc);

    switch (rc) {
    case AC_EMALFORMED: ac_error(a, 400, "invalid_request", "%s", msg); break;
    case AC_EINVAL:     ac_error(a, 422, "invalid_field", "%s", msg); break;
    case AC_ENOTFOUND:  ac_error(a, 404, "not_found", "%s", msg); break;
    case AC_ECONFLICT:  ac_error(a, 409, "conflict", "%s", msg); break;
    case AC_EFORBIDDEN: ac_error(a, 403, "insufficient_scope", "%s", msg);
                        break;
    case AC_EFULL:      ac_error(a, 507, "insufficient_storage", "%s", msg);
                        break;
    default:            ac_error(a, 503, "temporarily_unavailable", "%s", msg);
    }
}


/* Reads one query parameter, form-decoded; 1 when present. */
static int
ac_arg(ac_admin_t *a, const char *name, char *buf, size_t size)
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
static int
ac_page_args(ac_admin_t *a, size_t *limit, char *after, size_t size,
    const char **after_p)
{
    char      buf[16];
    uint64_t  n;

    *limit = AC_LIMIT_DEFAULT;

    if (ac_arg(a, "limit", buf, sizeof(buf))) {
        n = ac_id_parse(buf, strlen(buf));
        if (n == 0 || n > AC_LIMIT_MAX) {
            ac_error(a, 422, "invalid_field", "limit: 1 to %d",
                     AC_LIMIT_MAX);
            return 0;
        }
        *limit = n;
    }

    *after_p = ac_arg(a, "after", after, size) && after[0] ? after : NULL;

    return 1;
}


static void
ac_page(ac_admin_t *a, json_t *page)
{
    if (page == NULL) {
        ac_error(a, 503, "temporarily_unavailable", "cannot read the store");
        return;
    }

    ac_respond(a, 200, page);
}


/* The body's object; 0 (answered) when it is missing or not an object. */
static int
ac_need_body(ac_admin_t *a, const char *const *fields)
{
    ac_err_t  err;

    if (a->body == NULL) {
        ac_error(a, 400, "invalid_request", "a JSON object body is required");
        return 0;
    }

    if (ac_json_only(a->body, fields, "", &err) != AC_OK) {
        ac_fail_res(a, err.code, &err);
        return 0;
    }

    return 1;
}


/* A string member: 1 and copied when present and valid, 0 when absent,
 * -1 (answered) when invalid. */
static int
ac_member_str(ac_admin_t *a, const char *name, char *buf, size_t max)
{
    json_t  *v = json_object_get(a->body, name);

    if (v == NULL) {
        return 0;
    }

    if (!json_is_string(v) || json_string_length(v) == 0
        || json_string_length(v) > max
        || strlen(json_string_value(v)) != json_string_length(v))
    {
        ac_error(a, 422, "invalid_field", "%s: must be a string of 1 to %zu "
                 "bytes", name, max);
        return -1;
    }

    strcpy(buf, json_string_value(v));

    return 1;
}


/* An id member, like ac_member_str. */
static int
ac_member_id(ac_admin_t *a, const char *name, uint64_t *id)
{
    json_t  *v = json_object_get(a->body, name);

    if (v == NULL) {
        return 0;
    }

    if (!json_is_integer(v) || json_integer_value(v) <= 0
        || (uint64_t) json_integer_value(v) > AC_ID_MAX)
    {
        ac_error(a, 422, "invalid_field", "%s: must be a positive integer",
                 name);
        return -1;
    }

    *id = (uint64_t) json_integer_value(v);

    return 1;
}


static void
ac_cred_respond(ac_admin_t *a, int status, const ac_cred_t *c,
    const char *secret)
{
    json_t  *j = ac_cred_json(c);

    if (secret != NULL) {
        json_object_set_new(j, "client_secret", json_string(secret));
    }

    ac_respond(a, status, j);
}


static void
ac_creds_list(ac_admin_t *a)
{
    char              org[24], api[AC_SLUG_MAX + 1], active[8], after[64];
    size_t            limit;
    MDB_txn          *txn;
    const char       *after_p;
    ac_cred_filter_t  f = { a->caller.org_id, NULL, -1 };

    if (!ac_page_args(a, &limit, after, sizeof(after), &after_p)) {
        return;
    }

    if (ac_arg(a, "org_id", org, sizeof(org)) && org[0]
        && ac_id_parse(org, strlen(org)) != a->caller.org_id)
    {
        /* only the caller's own org is visible */
        ac_respond(a, 200, json_pack("{s:[], s:n}", "items", "next"));
        return;
    }

    if (ac_arg(a, "api", api, sizeof(api)) && api[0]) {
        f.api = api;
    }

    if (ac_arg(a, "active", active, sizeof(active)) && active[0]) {
        f.active = strcmp(active, "true") == 0 ? 1
                   : strcmp(active, "false") == 0 ? 0 : -2;
        if (f.active == -2) {
            ac_error(a, 422, "invalid_field", "active: true or false");
            return;
        }
    }

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_page(a, NULL);
        return;
    }

    ac_page(a, ac_list_creds(a->store, txn, &f, after_p, limit));
    mdb_txn_abort(txn);
}


static void
ac_creds_create(ac_admin_t *a)
{
    int          rc;
    char         secret[AC_SECRET_LEN + 1];
    ac_err_t     err;
    ac_cred_t    c;
    uint64_t     org = a->caller.org_id;

    static const char *const  fields[] = { "name", "org_id", "grants", NULL };

    if (!ac_need_body(a, fields)) {
        return;
    }

    memset(&c, 0, sizeof(c));

    rc = ac_member_str(a, "name", c.name, AC_NAME_MAX);
    if (rc <= 0) {
        if (rc == 0) {
            ac_error(a, 422, "invalid_field", "name: required");
        }
        return;
    }

    if (ac_member_id(a, "org_id", &org) < 0) {
        return;
    }

    if (org != a->caller.org_id) {
        ac_error(a, 403, "insufficient_scope", "org_id: only your own org, "
                 "%llu", (unsigned long long) a->caller.org_id);
        return;
    }

    if (json_object_get(a->body, "grants") == NULL) {
        ac_error(a, 422, "invalid_field", "grants: required");
        return;
    }

    rc = ac_grants_from_json(json_object_get(a->body, "grants"), &c.grants,
                             &c.ngrants, &err);
    if (rc != AC_OK) {
        ac_fail_res(a, rc, &err);
        return;
    }

    c.org_id = org;
    err.msg[0] = '\0';

    rc = ac_cred_create(&a->ops, &c, secret, &err);
    if (rc == AC_OK) {
        ac_cred_respond(a, 201, &c, secret);
        sodium_memzero(secret, sizeof(secret));

    } else {
        ac_fail_res(a, rc, &err);
    }

    ac_cred_free(&c);
}


static void
ac_cred_view_one(ac_admin_t *a)
{
    int        rc;
    MDB_txn   *txn;
    ac_cred_t  c;

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_page(a, NULL);
        return;
    }

    rc = ac_cred_get(a->store, txn, a->id, &c);
    mdb_txn_abort(txn);

    if (rc == AC_OK && c.org_id != a->caller.org_id) {
        ac_cred_free(&c);
        rc = AC_ENOTFOUND;
    }

    if (rc == AC_ENOTFOUND) {
        ac_error(a, 404, "not_found", "unknown credential \"%s\"", a->id);
        return;
    }

    if (rc != AC_OK) {
        ac_page(a, NULL);
        return;
    }

    ac_cred_respond(a, 200, &c, NULL);
    ac_cred_free(&c);
}


static void
ac_cred_patch(ac_admin_t *a)
{
    int          rc;
    char         name[AC_NAME_MAX + 1];
    size_t       ngrants = 0;
    ac_err_t     err;
    ac_cred_t    c;
    ac_grant_t  *grants = NULL;

    static const char *const  fields[] = { "name", "grants", NULL };

    if (!ac_need_body(a, fields)) {
        return;
    }

    rc = ac_member_str(a, "name", name, AC_NAME_MAX);
    if (rc < 0) {
        return;
    }

    if (json_object_get(a->body, "grants") != NULL
        && ac_grants_from_json(json_object_get(a->body, "grants"), &grants,
                               &ngrants, &err) != AC_OK)
    {
        ac_fail_res(a, err.code, &err);
        return;
    }

    err.msg[0] = '\0';
    rc = ac_cred_update(&a->ops, a->id, rc ? name : NULL, grants, ngrants, &c,
                        &err);
    ac_grants_free(grants, ngrants);

    if (rc != AC_OK) {
        ac_fail_res(a, rc, &err);
        return;
    }

    ac_cred_respond(a, 200, &c, NULL);
    ac_cred_free(&c);
}


static void
ac_cred_toggle(ac_admin_t *a, int active)
{
    int        rc;
    ac_err_t   err;
    ac_cred_t  c;

    static const char *const  none[] = { NULL };

    if (a->body != NULL && !ac_need_body(a, none)) {
        return;
    }

    err.msg[0] = '\0';
    rc = ac_cred_set_active(&a->ops, a->id, active, &c, &err);
    if (rc != AC_OK) {
        ac_fail_res(a, rc, &err);
        return;
    }

    ac_cred_respond(a, 200, &c, NULL);
    ac_cred_free(&c);
}


static void
ac_cred_activate(ac_admin_t *a)
{
    ac_cred_toggle(a, 1);
}


static void
ac_cred_deactivate(ac_admin_t *a)
{
    ac_cred_toggle(a, 0);
}


static void
ac_cred_rotate_one(ac_admin_t *a)
{
    int        rc;
    char       secret[AC_SECRET_LEN + 1];
    json_t    *g;
    int64_t    grace = 0;
    ac_err_t   err;
    ac_cred_t  c;

    static const char *const  fields[] = { "grace_seconds", NULL };

    if (a->body != NULL) {
        if (!ac_need_body(a, fields)) {
            return;
        }

        g = json_object_get(a->body, "grace_seconds");
        if (g != NULL) {
            if (!json_is_integer(g) || json_integer_value(g) < 0
                || json_integer_value(g) > AC_GRACE_MAX)
            {
                ac_error(a, 422, "invalid_field", "grace_seconds: an integer "
                         "from 0 to %d", AC_GRACE_MAX);
                return;
            }
            grace = json_integer_value(g);
        }
    }

    err.msg[0] = '\0';
    rc = ac_cred_rotate(&a->ops, a->id, grace, secret, &c, &err);
    if (rc != AC_OK) {
        ac_fail_res(a, rc, &err);
        return;
    }

    ac_cred_respond(a, 200, &c, secret);
    sodium_memzero(secret, sizeof(secret));
    ac_cred_free(&c);
}


static void
ac_cred_remove(ac_admin_t *a)
{
    int       rc;
    ac_err_t  err;

    err.msg[0] = '\0';
    rc = ac_cred_delete(&a->ops, a->id, &err);
    if (rc != AC_OK) {
        ac_fail_res(a, rc, &err);
        return;
    }

    ac_respond(a, 204, NULL);
}


static void
ac_apis_list(ac_admin_t *a)
{
    char         after[AC_SLUG_MAX + 1];
    size_t       limit;
    MDB_txn     *txn;
    const char  *after_p;

    if (!ac_page_args(a, &limit, after, sizeof(after), &after_p)) {
        return;
    }

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_page(a, NULL);
        return;
    }

    ac_page(a, ac_list_apis(a->store, txn, after_p, limit));
    mdb_txn_abort(txn);
}


/* Reads "permissions" into perms; -1 (answered) when invalid, 0 absent. */
static int
ac_member_perms(ac_admin_t *a, char (*perms)[AC_SLUG_MAX + 1], size_t *n)
{
    size_t   i;
    json_t  *arr, *v;

    arr = json_object_get(a->body, "permissions");
    if (arr == NULL) {
        return 0;
    }

    if (!json_is_array(arr) || json_array_size(arr) == 0
        || json_array_size(arr) > AC_PERMS_MAX)
    {
        ac_error(a, 422, "invalid_field", "permissions: an array of 1 to %d "
                 "names, most powerful first", AC_PERMS_MAX);
        return -1;
    }

    json_array_foreach(arr, i, v) {
        if (!json_is_string(v) || json_string_length(v) > AC_SLUG_MAX) {
            ac_error(a, 422, "invalid_field", "permissions[%zu]: must be a "
                     "name", i);
            return -1;
        }
        strcpy(perms[i], json_string_value(v));
    }

    *n = json_array_size(arr);

    return 1;
}


static void
ac_apis_create(ac_admin_t *a)
{
    int          rc;
    char         level[16];
    ac_api_t     api;
    ac_err_t     err;

    static const char *const  fields[] = { "slug", "name", "level",
                                           "permissions", NULL };

    if (!ac_need_body(a, fields)) {
        return;
    }

    memset(&api, 0, sizeof(api));

    if ((rc = ac_member_str(a, "slug", api.slug, AC_SLUG_MAX)) <= 0
        || (rc = ac_member_str(a, "name", api.name, AC_NAME_MAX)) <= 0
        || (rc = ac_member_str(a, "level", level, sizeof(level) - 1)) <= 0
        || (rc = ac_member_perms(a, api.perms, &api.nperms)) <= 0)
    {
        if (rc == 0) {
            ac_error(a, 422, "invalid_field", "slug, name, level and "
                     "permissions are required");
        }
        return;
    }

    api.level = ac_level_parse(level, strlen(level));
    err.msg[0] = '\0';

    rc = ac_api_add(&a->ops, &api, &err);
    if (rc != AC_OK) {
        ac_fail_res(a, rc, &err);
        return;
    }

    ac_respond(a, 201, ac_api_json(&api));
}


static void
ac_api_view_one(ac_admin_t *a)
{
    int        rc;
    MDB_txn   *txn;
    ac_api_t   api;

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_page(a, NULL);
        return;
    }

    rc = ac_api_get(a->store, txn, a->id, strlen(a->id), &api);
    mdb_txn_abort(txn);

    if (rc == AC_ENOTFOUND) {
        ac_error(a, 404, "not_found", "unknown API \"%s\"", a->id);
        return;
    }

    if (rc != AC_OK) {
        ac_page(a, NULL);
        return;
    }

    ac_respond(a, 200, ac_api_json(&api));
}


static void
ac_api_patch(ac_admin_t *a)
{
    int          rc, has_name;
    char         name[AC_NAME_MAX + 1];
    char         perms[AC_PERMS_MAX][AC_SLUG_MAX + 1];
    size_t       nperms = 0;
    ac_api_t     api;
    ac_err_t     err;

    static const char *const  fields[] = { "name", "permissions", NULL };

    if (!ac_need_body(a, fields)) {
        return;
    }

    has_name = ac_member_str(a, "name", name, AC_NAME_MAX);
    rc = has_name < 0 ? -1 : ac_member_perms(a, perms, &nperms);
    if (rc < 0) {
        return;
    }

    err.msg[0] = '\0';
    rc = ac_api_update(&a->ops, a->id, has_name ? name : NULL,
                       rc ? perms : NULL, nperms, &api, &err);
    if (rc != AC_OK) {
        ac_fail_res(a, rc, &err);
        return;
    }

    ac_respond(a, 200, ac_api_json(&api));
}


static void
ac_api_remove(ac_admin_t *a)
{
    int       rc;
    ac_err_t  err;

    err.msg[0] = '\0';
    rc = ac_api_delete(&a->ops, a->id, &err);
    if (rc != AC_OK) {
        ac_fail_res(a, rc, &err);
        return;
    }

    ac_respond(a, 204, NULL);
}


static void
ac_nodes_list(ac_admin_t *a)
{
    int          level = a->route->level;
    char         after[24], parent_s[24];
    size_t       limit;
    MDB_txn     *txn;
    uint64_t     parent = 0;
    const char  *after_p, *pname;


    if (!ac_page_args(a, &limit, after, sizeof(after), &after_p)) {
        return;
    }

    pname = level == AC_LEVEL_ACCOUNT ? "org_id"
            : level == AC_LEVEL_WORKSPACE ? "account_id" : NULL;

    if (pname != NULL && ac_arg(a, pname, parent_s, sizeof(parent_s))
        && parent_s[0])
    {
        parent = ac_id_parse(parent_s, strlen(parent_s));
        if (parent == 0) {
            ac_error(a, 422, "invalid_field", "%s: must be a positive "
                     "integer", pname);
            return;
        }
    }

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_page(a, NULL);
        return;
    }

    ac_page(a, ac_list_nodes(a->store, txn, level, parent, a->caller.org_id,
                             after_p, limit));
    mdb_txn_abort(txn);
}


static void
ac_nodes_create(ac_admin_t *a)
{
    int          rc, level = a->route->level;
    ac_err_t     err;
    ac_node_t    n;
    const char  *pname;

    static const char *const  org_fields[] = { "id", "name", NULL };
    static const char *const  acct_fields[] = { "id", "name", "org_id",
                                                NULL };
    static const char *const  ws_fields[] = { "id", "name", "account_id",
                                              NULL };

    pname = level == AC_LEVEL_ACCOUNT ? "org_id" : "account_id";

    if (!ac_need_body(a, level == AC_LEVEL_ORG ? org_fields
                         : level == AC_LEVEL_ACCOUNT ? acct_fields
                         : ws_fields))
    {
        return;
    }

    memset(&n, 0, sizeof(n));

    if (ac_member_id(a, "id", &n.id) < 0) {
        return;
    }

    rc = ac_member_str(a, "name", n.name, AC_NAME_MAX);
    if (rc <= 0) {
        if (rc == 0) {
            ac_error(a, 422, "invalid_field", "name: required");
        }
        return;
    }

    if (level == AC_LEVEL_ACCOUNT) {
        n.parent = a->caller.org_id;
    }

    if (level != AC_LEVEL_ORG) {
        rc = ac_member_id(a, pname, &n.parent);
        if (rc < 0) {
            return;
        }

        if (n.parent == 0) {
            ac_error(a, 422, "invalid_field", "%s: required", pname);
            return;
        }
    }

    err.msg[0] = '\0';
    rc = ac_node_add(&a->ops, level, &n, &err);
    if (rc != AC_OK) {
        ac_fail_res(a, rc, &err);
        return;
    }

    ac_respond(a, 201, ac_node_json(level, &n));
}


static void
ac_node_view_one(ac_admin_t *a)
{
    int         level = a->route->level;
    MDB_dbi     dbi;
    MDB_txn    *txn;
    uint64_t    id;
    ac_node_t   n;

    dbi = level == AC_LEVEL_ORG ? a->store->orgs
          : level == AC_LEVEL_ACCOUNT ? a->store->accounts
          : a->store->workspaces;
    id = ac_id_parse(a->id, strlen(a->id));

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_page(a, NULL);
        return;
    }

    if (id == 0 || ac_node_get(a->store, txn, dbi, id, &n) != AC_OK
        || ac_org_of(a->store, txn, level, id, NULL) != a->caller.org_id)
    {
        mdb_txn_abort(txn);
        ac_error(a, 404, "not_found", "unknown %s \"%s\"",
                 ac_level_name(level), a->id);
        return;
    }

    mdb_txn_abort(txn);
    ac_respond(a, 200, ac_node_json(level, &n));
}


static void
ac_audit_list(ac_admin_t *a)
{
    char         after[24];
    size_t       limit;
    MDB_txn     *txn;
    const char  *after_p;

    if (!ac_page_args(a, &limit, after, sizeof(after), &after_p)) {
        return;
    }

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_page(a, NULL);
        return;
    }

    ac_page(a, ac_list_audit(a->store, txn, a->caller.org_id, after_p,
                             limit));
    mdb_txn_abort(txn);
}


static const ac_route_t  ac_routes[] = {
    { "credentials", 0, NULL, "GET, POST", ac_creds_list, ac_creds_create,
      NULL, NULL, AC_ROLE_COMPLIANCE, 0 },
    { "credentials", 1, NULL, "GET, PATCH, DELETE", ac_cred_view_one, NULL,
      ac_cred_patch, ac_cred_remove, AC_ROLE_COMPLIANCE, 0 },
    { "credentials", 1, "activate", "POST", NULL, ac_cred_activate, NULL,
      NULL, AC_ROLE_COMPLIANCE, 0 },
    { "credentials", 1, "deactivate", "POST", NULL, ac_cred_deactivate, NULL,
      NULL, AC_ROLE_COMPLIANCE, 0 },
    { "credentials", 1, "rotate", "POST", NULL, ac_cred_rotate_one, NULL,
      NULL, AC_ROLE_COMPLIANCE, 0 },
    { "apis", 0, NULL, "GET, POST", ac_apis_list, ac_apis_create, NULL, NULL,
      AC_ROLE_ADMIN, 0 },
    { "apis", 1, NULL, "GET, PATCH, DELETE", ac_api_view_one, NULL,
      ac_api_patch, ac_api_remove, AC_ROLE_ADMIN, 0 },
    { "orgs", 0, NULL, "GET, POST", ac_nodes_list, ac_nodes_create, NULL, NULL,
      AC_ROLE_ADMIN, AC_LEVEL_ORG },
    { "orgs", 1, NULL, "GET", ac_node_view_one, NULL, NULL, NULL,
      AC_ROLE_ADMIN, AC_LEVEL_ORG },
    { "accounts", 0, NULL, "GET, POST", ac_nodes_list, ac_nodes_create, NULL, NULL,
      AC_ROLE_ADMIN, AC_LEVEL_ACCOUNT },
    { "accounts", 1, NULL, "GET", ac_node_view_one, NULL, NULL, NULL,
      AC_ROLE_ADMIN, AC_LEVEL_ACCOUNT },
    { "workspaces", 0, NULL, "GET, POST", ac_nodes_list, ac_nodes_create, NULL,
      NULL, AC_ROLE_ADMIN, AC_LEVEL_WORKSPACE },
    { "workspaces", 1, NULL, "GET", ac_node_view_one, NULL, NULL, NULL,
      AC_ROLE_ADMIN, AC_LEVEL_WORKSPACE },
    { "audit", 0, NULL, "GET", ac_audit_list, NULL, NULL, NULL,
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
        ac_page(a, NULL);
        return 0;
    }

    rc = strlen(a->req->caller) <= AC_SLUG_MAX
         ? ac_cred_get(a->store, txn, a->req->caller, &a->caller)
         : AC_ENOTFOUND;
    mdb_txn_abort(txn);

    if (rc != AC_OK && rc != AC_ENOTFOUND) {
        ac_page(a, NULL);
        return 0;
    }

    if (rc == AC_ENOTFOUND || !a->caller.active
        || a->caller.gen != a->req->caller_gen)
    {
        ac_error(a, 401, "invalid_token", "the token's credential is "
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

    ac_error(a, 403, "insufficient_scope", "the credentials API is not "
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
        ac_error(&a, 404, "not_found", "no such admin API path");
        return;
    }

    h = strcmp(req->method, "GET") == 0 ? route->get
        : strcmp(req->method, "POST") == 0 ? route->post
        : strcmp(req->method, "PATCH") == 0 ? route->patch
        : strcmp(req->method, "DELETE") == 0 ? route->del : NULL;

    if (h == NULL) {
        res->allow = route->allow;
        ac_error(&a, 405, "method_not_allowed", "this path allows %s",
                 route->allow);
        return;
    }

    if (!ac_caller(&a)) {
        ac_cred_free(&a.caller);
        return;
    }

    if (h != route->get && a.role > route->write_role) {
        ac_error(&a, 403, "insufficient_scope", "your credentials:%s may not "
                 "do this", a.role == AC_ROLE_READ ? "read_only"
                                                   : "compliance_admin");
        ac_cred_free(&a.caller);
        return;
    }

    if (req->body != NULL && req->body_len > 0) {
        a.body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES,
                            &jerr);
        if (a.body == NULL) {
            ac_error(&a, 400, "invalid_request", "malformed JSON: %s",
                     jerr.text);
            ac_cred_free(&a.caller);
            return;
        }

        if (!json_is_object(a.body)) {
            json_decref(a.body);
            ac_error(&a, 422, "invalid_field", "body: must be a JSON object");
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
