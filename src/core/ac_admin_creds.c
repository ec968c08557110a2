/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Admin API: the credentials.
 */

#include <string.h>
#include <sodium.h>

#include "ac_admin_internal.h"
#include "ac_json.h"
#include "ac_query.h"


static void
ac_cred_respond(ac_admin_t *a, int status, const ac_cred_t *c,
    const char *secret)
{
    json_t  *j = ac_cred_json(c);

    if (secret != NULL) {
        json_object_set_new(j, "client_secret", json_string(secret));
    }

    ac_admin_respond(a, status, j);
}


void
ac_admin_creds_list(ac_admin_t *a)
{
    char              org[24], api[AC_SLUG_MAX + 1], active[8], after[64];
    size_t            limit;
    MDB_txn          *txn;
    const char       *after_p;
    ac_cred_filter_t  f = { a->caller.org_id, NULL, -1 };

    if (!ac_admin_page_args(a, &limit, after, sizeof(after), &after_p)) {
        return;
    }

    if (ac_admin_arg(a, "org_id", org, sizeof(org)) && org[0]
        && ac_id_parse(org, strlen(org)) != a->caller.org_id)
    {
        /* only the caller's own org is visible */
        ac_admin_respond(a, 200, json_pack("{s:[], s:n}", "items", "next"));
        return;
    }

    if (ac_admin_arg(a, "api", api, sizeof(api)) && api[0]) {
        f.api = api;
    }

    if (ac_admin_arg(a, "active", active, sizeof(active)) && active[0]) {
        f.active = strcmp(active, "true") == 0 ? 1
                   : strcmp(active, "false") == 0 ? 0 : -2;
        if (f.active == -2) {
            ac_admin_error(a, 422, "invalid_field", "active: true or false");
            return;
        }
    }

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_admin_page(a, NULL);
        return;
    }

    ac_admin_page(a, ac_list_creds(a->store, txn, &f, after_p, limit));
    mdb_txn_abort(txn);
}


void
ac_admin_creds_create(ac_admin_t *a)
{
    int          rc;
    char         secret[AC_SECRET_LEN + 1];
    ac_cred_t    c;
    uint64_t     org = a->caller.org_id;

    static const char *const  fields[] = { "name", "org_id", "grants", NULL };

    if (!ac_admin_need_body(a, fields)) {
        return;
    }

    memset(&c, 0, sizeof(c));

    rc = ac_admin_member_str(a, "name", c.name, AC_NAME_MAX);
    if (rc <= 0) {
        if (rc == 0) {
            ac_admin_error(a, 422, "invalid_field", "name: required");
        }
        return;
    }

    if (ac_admin_member_id(a, "org_id", &org) < 0) {
        return;
    }

    if (org != a->caller.org_id) {
        ac_admin_error(a, 403, "insufficient_scope",
                       "org_id: only your own org, %llu",
                       (unsigned long long) a->caller.org_id);
        return;
    }

    if (json_object_get(a->body, "grants") == NULL) {
        ac_admin_error(a, 422, "invalid_field", "grants: required");
        return;
    }

    rc = ac_grants_from_json(json_object_get(a->body, "grants"), &c.grants,
                             &c.ngrants, &a->err);
    if (rc != AC_OK) {
        ac_admin_fail(a, rc, &a->err);
        return;
    }

    c.org_id = org;

    rc = ac_cred_create(&a->ops, &c, secret, &a->err);
    if (rc == AC_OK) {
        ac_cred_respond(a, 201, &c, secret);
        sodium_memzero(secret, sizeof(secret));

    } else {
        ac_admin_fail(a, rc, &a->err);
    }

    ac_cred_free(&c);
}


void
ac_admin_cred_view_one(ac_admin_t *a)
{
    int        rc;
    MDB_txn   *txn;
    ac_cred_t  c;

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_admin_page(a, NULL);
        return;
    }

    rc = ac_cred_get(a->store, txn, a->id, &c);
    mdb_txn_abort(txn);

    if (rc == AC_OK && c.org_id != a->caller.org_id) {
        ac_cred_free(&c);
        rc = AC_ENOTFOUND;
    }

    if (rc == AC_ENOTFOUND) {
        ac_admin_error(a, 404, "not_found", "unknown credential \"%s\"", a->id);
        return;
    }

    if (rc != AC_OK) {
        ac_admin_page(a, NULL);
        return;
    }

    ac_cred_respond(a, 200, &c, NULL);
    ac_cred_free(&c);
}


void
ac_admin_cred_patch(ac_admin_t *a)
{
    int          rc;
    char         name[AC_NAME_MAX + 1];
    size_t       ngrants = 0;
    ac_cred_t    c;
    ac_grant_t  *grants = NULL;

    static const char *const  fields[] = { "name", "grants", NULL };

    if (!ac_admin_need_body(a, fields)) {
        return;
    }

    rc = ac_admin_member_str(a, "name", name, AC_NAME_MAX);
    if (rc < 0) {
        return;
    }

    if (json_object_get(a->body, "grants") != NULL
        && ac_grants_from_json(json_object_get(a->body, "grants"), &grants,
                               &ngrants, &a->err) != AC_OK)
    {
        ac_admin_fail(a, a->err.code, &a->err);
        return;
    }

    rc = ac_cred_update(&a->ops, a->id, rc ? name : NULL, grants, ngrants, &c,
                        &a->err);
    ac_grants_free(grants, ngrants);

    if (rc != AC_OK) {
        ac_admin_fail(a, rc, &a->err);
        return;
    }

    ac_cred_respond(a, 200, &c, NULL);
    ac_cred_free(&c);
}


static void
ac_cred_toggle(ac_admin_t *a, int active)
{
    int        rc;
    ac_cred_t  c;

    static const char *const  none[] = { NULL };

    if (a->body != NULL && !ac_admin_need_body(a, none)) {
        return;
    }

    rc = ac_cred_set_active(&a->ops, a->id, active, &c, &a->err);
    if (rc != AC_OK) {
        ac_admin_fail(a, rc, &a->err);
        return;
    }

    ac_cred_respond(a, 200, &c, NULL);
    ac_cred_free(&c);
}


void
ac_admin_cred_activate(ac_admin_t *a)
{
    ac_cred_toggle(a, 1);
}


void
ac_admin_cred_deactivate(ac_admin_t *a)
{
    ac_cred_toggle(a, 0);
}


void
ac_admin_cred_rotate_one(ac_admin_t *a)
{
    int        rc;
    char       secret[AC_SECRET_LEN + 1];
    json_t    *g;
    int64_t    grace = 0;
    ac_cred_t  c;

    static const char *const  fields[] = { "grace_seconds", NULL };

    if (a->body != NULL) {
        if (!ac_admin_need_body(a, fields)) {
            return;
        }

        g = json_object_get(a->body, "grace_seconds");
        if (g != NULL) {
            if (!json_is_integer(g) || json_integer_value(g) < 0
                || json_integer_value(g) > AC_GRACE_MAX)
            {
                ac_admin_error(a, 422, "invalid_field",
                               "grace_seconds: an integer from 0 to %d",
                               AC_GRACE_MAX);
                return;
            }
            grace = json_integer_value(g);
        }
    }

    rc = ac_cred_rotate(&a->ops, a->id, grace, secret, &c, &a->err);
    if (rc != AC_OK) {
        ac_admin_fail(a, rc, &a->err);
        return;
    }

    ac_cred_respond(a, 200, &c, secret);
    sodium_memzero(secret, sizeof(secret));
    ac_cred_free(&c);
}


void
ac_admin_cred_remove(ac_admin_t *a)
{
    int       rc;

    rc = ac_cred_delete(&a->ops, a->id, &a->err);
    if (rc != AC_OK) {
        ac_admin_fail(a, rc, &a->err);
        return;
    }

    ac_admin_respond(a, 204, NULL);
}
