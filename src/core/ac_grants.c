/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Grant rules: validation against the catalog and the hierarchy, and the
 * no-escalation rule (what a grantor may grant).
 */

#include <string.h>

#include "ac_ops_internal.h"


static int
ac_node_check(ac_store_t *s, MDB_txn *txn, int level, uint64_t id,
    uint64_t org_id, size_t gi, size_t ii, ac_err_t *err)
{
    if (ac_org_of(s, txn, level, id, NULL) != org_id) {
        return ac_fail(err, AC_EINVAL, "grants[%zu].%ss[%zu]: unknown %s %llu "
                       "in org %llu", gi, ac_level_name(level), ii,
                       ac_level_name(level), (unsigned long long) id,
                       (unsigned long long) org_id);
    }

    return AC_OK;
}


int
ac_grants_validate(ac_store_t *s, MDB_txn *txn, uint64_t org_id,
    const ac_grant_t *grants, size_t n, ac_err_t *err)
{
    int                rc;
    size_t             i, j;
    ac_api_t           api;
    const ac_grant_t  *g;

    if (n > AC_GRANTS_MAX) {
        return ac_fail(err, AC_EINVAL, "grants: at most %d", AC_GRANTS_MAX);
    }

    for (i = 0; i < n; i++) {
        g = &grants[i];

        for (j = 0; j < i; j++) {
            if (strcmp(grants[j].api, g->api) == 0) {
                return ac_fail(err, AC_EINVAL, "grants[%zu].api: duplicate "
                               "grant for API \"%s\"", i, g->api);
            }
        }

        rc = ac_api_get(s, txn, g->api, strlen(g->api), &api);
        if (rc == AC_ENOTFOUND) {
            return ac_fail(err, AC_EINVAL, "grants[%zu].api: unknown API "
                           "\"%s\"", i, g->api);
        }

        if (rc != AC_OK) {
            return ac_fail(err, rc, "store error: %s", ac_store_strerror(s));
        }

        if (ac_api_perm_index(&api, g->permission, strlen(g->permission)) < 0)
        {
            return ac_fail(err, AC_EINVAL, "grants[%zu].permission: \"%s\" is "
                           "not a permission of API \"%s\"", i, g->permission,
                           g->api);
        }

        if (g->level > api.level) {
            return ac_fail(err, AC_EINVAL, "grants[%zu]: API \"%s\" is "
                           "%s level; a %s scope is below it", i, g->api,
                           ac_level_name(api.level), ac_level_name(g->level));
        }

        if (g->level != AC_LEVEL_ORG && (g->nids == 0 || g->nids > AC_IDS_MAX))
        {
            return ac_fail(err, AC_EINVAL, "grants[%zu].%ss: 1 to %d ids", i,
                           ac_level_name(g->level), AC_IDS_MAX);
        }

        for (j = 0; j < g->nids; j++) {
            rc = ac_node_check(s, txn, g->level, g->ids[j], org_id, i, j, err);
            if (rc != AC_OK) {
                return rc;
            }
        }
    }

    return AC_OK;
}


/* The permission index of perm in api, or -1 (reads the catalog). */
static int
ac_perm_rank(ac_store_t *s, MDB_txn *txn, const char *api, const char *perm)
{
    ac_api_t  a;

    if (ac_api_get(s, txn, api, strlen(api), &a) != AC_OK) {
        return -1;
    }

    return ac_api_perm_index(&a, perm, strlen(perm));
}


static int
ac_ids_has(const uint64_t *ids, size_t n, uint64_t id)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (ids[i] == id) {
            return 1;
        }
    }

    return 0;
}


/* 1 when the scope of g lies inside the scope of held. */
static int
ac_scope_within(ac_store_t *s, MDB_txn *txn, const ac_grant_t *held,
    const ac_grant_t *g)
{
    size_t    i;
    uint64_t  account;

    if (held->level == AC_LEVEL_ORG) {
        return 1;
    }

    if (g->level == AC_LEVEL_ORG
        || (held->level == AC_LEVEL_WORKSPACE && g->level != held->level))
    {
        return 0;
    }

    for (i = 0; i < g->nids; i++) {
        if (g->level == held->level) {
            if (!ac_ids_has(held->ids, held->nids, g->ids[i])) {
                return 0;
            }
            continue;
        }

        /* a workspace inside one of the held accounts */
        if (ac_org_of(s, txn, AC_LEVEL_WORKSPACE, g->ids[i], &account) == 0
            || !ac_ids_has(held->ids, held->nids, account))
        {
            return 0;
        }
    }

    return 1;
}


int
ac_grants_within(ac_store_t *s, MDB_txn *txn, const ac_cred_t *grantor,
    const ac_grant_t *grants, size_t n, ac_err_t *err)
{
    int                rank, held_rank;
    size_t             i, j;
    const ac_grant_t  *held;

    if (grantor == NULL) {
        return AC_OK;
    }

    for (i = 0; i < n; i++) {
        held = NULL;

        for (j = 0; j < grantor->ngrants; j++) {
            if (strcmp(grantor->grants[j].api, grants[i].api) == 0) {
                held = &grantor->grants[j];
                break;
            }
        }

        if (held == NULL) {
            return ac_fail(err, AC_EFORBIDDEN, "grants[%zu]: you hold no "
                           "grant for API \"%s\"", i, grants[i].api);
        }

        rank = ac_perm_rank(s, txn, grants[i].api, grants[i].permission);
        held_rank = ac_perm_rank(s, txn, held->api, held->permission);

        if (rank < 0 || held_rank < 0 || held_rank > rank) {
            return ac_fail(err, AC_EFORBIDDEN, "grants[%zu].permission: "
                           "\"%s\" is more than your \"%s\"", i,
                           grants[i].permission, held->permission);
        }

        if (!ac_scope_within(s, txn, held, &grants[i])) {
            return ac_fail(err, AC_EFORBIDDEN, "grants[%zu]: the scope is "
                           "outside your own", i);
        }
    }

    return AC_OK;
}


static int
ac_str_is(const char *data, size_t len, const char *s)
{
    return len == strlen(s) && memcmp(data, s, len) == 0;
}


int
ac_ops_grant_held(ac_store_t *s, MDB_txn *txn, const char *api,
    const char *perm, uint64_t org_id, const char *except)
{
    int              found = 0;
    MDB_val          k, v;
    MDB_cursor      *cur;
    const uint8_t   *pos;
    ac_cred_view_t   cv;
    ac_grant_view_t  g;

    if (mdb_cursor_open(txn, s->creds, &cur) != 0) {
        return -1;
    }

    while (!found && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        if (ac_cred_view(v.mv_data, v.mv_size, &cv) != AC_OK
            || (org_id
                && (!cv.active || cv.org_id != org_id
                    || (except != NULL
                        && ac_str_is(k.mv_data, k.mv_size, except)))))
        {
            continue;
        }

        pos = cv.grants;
        while (!found && ac_grant_next(&cv, &pos, &g)) {
            found = ac_str_is(g.api, g.api_len, api)
                    && (perm == NULL
                        || ac_str_is(g.permission, g.permission_len, perm));
        }
    }

    mdb_cursor_close(cur);

    return found;
}
