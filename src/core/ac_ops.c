/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "ac_json.h"
#include "ac_ops.h"
#include "ac_secret.h"


static const struct {
    const char  *slug;
    const char  *name;
    int          level;
    const char  *perms[3];
} ac_seed_apis[] = {
    { "platform", "Platform API", AC_LEVEL_ACCOUNT, { "admin", "user" } },
    { "profile", "Profile API", AC_LEVEL_WORKSPACE, { "read_only" } },
    { "data_planning", "Data Planning API", AC_LEVEL_WORKSPACE,
      { "admin", "user" } },
    { "credentials", "Credentials API", AC_LEVEL_ORG,
      { "admin", "compliance_admin", "read_only" } },
};


static int64_t
ac_now(void)
{
    return (int64_t) time(NULL);
}


/*
 * Appends {"seq","time","actor","action","target","change"} and the org it
 * concerns (0: the whole store); takes change.
 */
static int
ac_audit(ac_ops_t *ops, MDB_txn *txn, uint64_t org, const char *action,
    const char *target, json_t *change)
{
    int          rc;
    char        *text, tbuf[21];
    uint8_t      key[8];
    uint64_t     seq = 1;
    json_t      *rec;
    MDB_val      k, v;
    MDB_cursor  *cur;
    ac_store_t  *s = ops->store;

    rc = mdb_cursor_open(txn, s->audit, &cur);
    if (rc != 0) {
        json_decref(change);
        s->lmdb_rc = rc;
        return AC_ESTORE;
    }

    if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8) {
        seq = ac_u64_get(k.mv_data) + 1;
    }

    mdb_cursor_close(cur);

    ac_time_format(ac_now(), tbuf);
    rec = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:I}",
                    "seq", (json_int_t) seq, "time", tbuf,
                    "actor", ops->actor, "action", action, "target", target,
                    "change", change ? change : json_object(),
                    "org_id", (json_int_t) org);

    text = rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(rec);

    if (text == NULL) {
        return AC_ENOMEM;
    }

    ac_u64_put(key, seq);
    rc = ac_put(s, txn, s->audit, key, 8, text, strlen(text));
    free(text);

    return rc;
}


/* Commits when rc is AC_OK, aborts otherwise; returns the outcome. */
static int
ac_finish(ac_store_t *s, MDB_txn *txn, int rc, ac_err_t *err)
{
    if (txn != NULL) {
        if (rc == AC_OK) {
            rc = ac_txn_commit(s, txn);

        } else {
            mdb_txn_abort(txn);
        }
    }

    if (rc == AC_ESTORE || rc == AC_EFULL) {
        ac_fail(err, rc, "%s: %s", ac_strerror(rc), ac_store_strerror(s));

    } else if (rc == AC_ENOMEM) {
        ac_fail(err, rc, "%s", ac_strerror(rc));
    }

    return rc;
}


/* Generates and stores a new active Ed25519 signing key. */
static int
ac_key_new(ac_store_t *s, MDB_txn *txn, ac_key_t *key)
{
    uint8_t  raw[12];

    memset(key, 0, sizeof(ac_key_t));
    randombytes_buf(raw, sizeof(raw));
    ac_b64url_encode(raw, sizeof(raw), key->kid, sizeof(key->kid));
    key->active = 1;
    key->created_at = ac_now();
    crypto_sign_keypair(key->pk, key->sk);

    return ac_key_put(s, txn, key);
}


int
ac_ops_init(ac_ops_t *ops, ac_err_t *err)
{
    int          rc;
    size_t       i, j;
    MDB_val      k, v;
    MDB_txn     *txn;
    MDB_cursor  *cur;
    ac_api_t     api;
    ac_key_t     key;
    ac_node_t    node;
    ac_store_t  *s = ops->store;

    rc = ac_txn_begin(s, 1, &txn);
    if (rc != AC_OK) {
        return ac_fail(err, rc, "cannot write the store: %s",
                       ac_store_strerror(s));
    }

    if (mdb_cursor_open(txn, s->keys, &cur) == 0) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        mdb_cursor_close(cur);
        if (rc == 0) {
            mdb_txn_abort(txn);
            return ac_fail(err, AC_ECONFLICT, "store already initialised");
        }
    }

    rc = AC_OK;

    for (i = 0; rc == AC_OK && i < sizeof(ac_seed_apis) / sizeof(ac_seed_apis[0]);
         i++)
    {
        memset(&api, 0, sizeof(api));
        strcpy(api.slug, ac_seed_apis[i].slug);
        strcpy(api.name, ac_seed_apis[i].name);
        api.level = ac_seed_apis[i].level;

        for (j = 0; j < 3 && ac_seed_apis[i].perms[j]; j++) {
            strcpy(api.perms[j], ac_seed_apis[i].perms[j]);
        }

        api.nperms = j;
        rc = ac_api_put(s, txn, &api);
    }

    node.id = 1;
    node.parent = 0;
    strcpy(node.name, "Default org");
    rc = rc ? rc : ac_node_put(s, txn, s->orgs, &node);
    node.parent = 1;
    strcpy(node.name, "Default account");
    rc = rc ? rc : ac_node_put(s, txn, s->accounts, &node);
    strcpy(node.name, "Default workspace");
    rc = rc ? rc : ac_node_put(s, txn, s->workspaces, &node);

    rc = rc ? rc : ac_key_new(s, txn, &key);
    sodium_memzero(&key, sizeof(key));

    rc = rc ? rc : ac_audit(ops, txn, 0, "init", "store", NULL);

    return ac_finish(s, txn, rc, err);
}


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


static int
ac_name_valid(const char *name, ac_err_t *err)
{
    size_t  i, len = strlen(name);

    if (len == 0 || len > AC_NAME_MAX) {
        return ac_fail(err, AC_EINVAL, "name: 1 to %d bytes", AC_NAME_MAX);
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f) {
            return ac_fail(err, AC_EINVAL, "name: control characters are not "
                           "allowed");
        }
    }

    return AC_OK;
}


/* 1 when an active credential of org, other than except, holds
 * credentials:admin. Reads records in place. */
static int
ac_other_admin(ac_store_t *s, MDB_txn *txn, uint64_t org_id,
    const char *except)
{
    int              found = 0;
    MDB_val          k, v;
    MDB_cursor      *cur;
    const uint8_t   *pos;
    ac_cred_view_t   cv;
    ac_grant_view_t  g;

    if (mdb_cursor_open(txn, s->creds, &cur) != 0) {
        return 0;
    }

    while (!found && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0)
    {
        if ((k.mv_size == strlen(except)
             && memcmp(k.mv_data, except, k.mv_size) == 0)
            || ac_cred_view(v.mv_data, v.mv_size, &cv) != AC_OK
            || !cv.active || cv.org_id != org_id)
        {
            continue;
        }

        pos = cv.grants;
        while (ac_grant_next(&cv, &pos, &g)) {
            if (g.api_len == 11 && memcmp(g.api, "credentials", 11) == 0
                && g.permission_len == 5 && memcmp(g.permission, "admin", 5) == 0)
            {
                found = 1;
            }
        }
    }

    mdb_cursor_close(cur);

    return found;
}


static int
ac_grants_admin(const ac_grant_t *g, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (strcmp(g[i].api, "credentials") == 0
            && strcmp(g[i].permission, "admin") == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* The last-admin rule: the change must leave the org an active admin. */
static int
ac_keeps_admin(ac_store_t *s, MDB_txn *txn, const ac_cred_t *before,
    int active_after, const ac_grant_t *grants_after, size_t n, ac_err_t *err)
{
    if (before->active && ac_grants_admin(before->grants, before->ngrants)
        && !(active_after && ac_grants_admin(grants_after, n))
        && !ac_other_admin(s, txn, before->org_id, before->client_id))
    {
        return ac_fail(err, AC_ECONFLICT, "%s is the last active "
                       "credentials:admin credential of org %llu",
                       before->client_id,
                       (unsigned long long) before->org_id);
    }

    return AC_OK;
}


int
ac_cred_create(ac_ops_t *ops, ac_cred_t *c, char *secret, ac_err_t *err)
{
    int          rc;
    MDB_val      v;
    MDB_txn     *txn;
    ac_store_t  *s = ops->store;

    rc = ac_name_valid(c->name, err);
    if (rc != AC_OK) {
        return rc;
    }

    rc = ac_txn_begin(s, 1, &txn);
    if (rc != AC_OK) {
        return ac_finish(s, NULL, rc, err);
    }

    if (ac_get_id(s, txn, s->orgs, c->org_id, &v) != AC_OK) {
        rc = ac_fail(err, AC_EINVAL, "org_id: unknown org %llu",
                     (unsigned long long) c->org_id);
        goto done;
    }

    rc = ac_grants_validate(s, txn, c->org_id, c->grants, c->ngrants, err);
    rc = rc ? rc : ac_grants_within(s, txn, ops->grantor, c->grants,
                                    c->ngrants, err);
    if (rc != AC_OK) {
        goto done;
    }

    do {
        ac_client_id_generate(c->client_id);
    } while (ac_get(s, txn, s->creds, c->client_id, AC_CLIENT_ID_LEN, &v)
             == AC_OK);

    ac_secret_generate(secret);
    ac_secret_hash(s->hash_key, secret, AC_SECRET_LEN, c->hash);
    memset(c->prev_hash, 0, AC_HASH_LEN);
    c->prev_valid_until = 0;
    c->active = 1;
    c->gen = 0;
    c->created_at = ac_now();
    c->updated_at = c->created_at;
    c->secret_rotated_at = c->created_at;

    rc = ac_cred_put(s, txn, c);
    rc = rc ? rc : ac_audit(ops, txn, c->org_id, "credential.create",
                            c->client_id,
                            ac_cred_json(c));

done:

    rc = ac_finish(s, txn, rc, err);

    if (rc != AC_OK) {
        sodium_memzero(secret, AC_SECRET_LEN + 1);
    }

    return rc;
}


/* Starts a write txn and reads the credential; fails with a message. */
static int
ac_cred_begin(ac_ops_t *ops, const char *client_id, MDB_txn **txn,
    ac_cred_t *c, ac_err_t *err)
{
    int          rc;
    ac_store_t  *s = ops->store;

    memset(c, 0, sizeof(ac_cred_t));

    rc = ac_txn_begin(s, 1, txn);
    if (rc != AC_OK) {
        return ac_finish(s, NULL, rc, err);
    }

    rc = strlen(client_id) <= AC_SLUG_MAX ? ac_cred_get(s, *txn, client_id, c)
                                          : AC_ENOTFOUND;

    /* another org's credentials do not exist for this actor */
    if (rc == AC_OK && ops->org_id && c->org_id != ops->org_id) {
        ac_cred_free(c);
        rc = AC_ENOTFOUND;
    }

    if (rc == AC_ENOTFOUND) {
        mdb_txn_abort(*txn);
        return ac_fail(err, rc, "unknown credential \"%.64s\"", client_id);
    }

    return rc == AC_OK ? AC_OK : ac_finish(s, *txn, rc, err);
}


/* Finishes a change to out: on failure out is freed, the caller owns it
 * only on success. */
static int
ac_cred_done(ac_store_t *s, MDB_txn *txn, int rc, ac_cred_t *out,
    ac_err_t *err)
{
    rc = ac_finish(s, txn, rc, err);

    if (rc != AC_OK) {
        ac_cred_free(out);
    }

    return rc;
}


/* Deep copy of grants, so that the caller keeps its own. */
static ac_grant_t *
ac_grants_copy(const ac_grant_t *grants, size_t n)
{
    size_t       i;
    ac_grant_t  *copy;

    copy = calloc(n + 1, sizeof(ac_grant_t));
    if (copy == NULL) {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        copy[i] = grants[i];
        copy[i].ids = malloc(8 * (grants[i].nids + 1));
        if (copy[i].ids == NULL) {
            ac_grants_free(copy, i);
            return NULL;
        }
        if (grants[i].nids > 0) {
            memcpy(copy[i].ids, grants[i].ids, 8 * grants[i].nids);
        }
    }

    return copy;
}


int
ac_cred_update(ac_ops_t *ops, const char *client_id, const char *name,
    const ac_grant_t *grants, size_t ngrants, ac_cred_t *out, ac_err_t *err)
{
    int          rc;
    json_t      *change;
    MDB_txn     *txn;
    ac_grant_t  *copy;
    ac_store_t  *s = ops->store;

    if (name != NULL && (rc = ac_name_valid(name, err)) != AC_OK) {
        return rc;
    }

    rc = ac_cred_begin(ops, client_id, &txn, out, err);
    if (rc != AC_OK) {
        return rc;
    }

    change = json_object();

    if (name != NULL) {
        json_object_set_new(change, "name",
                            json_pack("{s:s, s:s}", "from", out->name,
                                      "to", name));
        strcpy(out->name, name);
    }

    if (grants != NULL) {
        rc = ac_grants_validate(s, txn, out->org_id, grants, ngrants, err);
        rc = rc ? rc : ac_grants_within(s, txn, ops->grantor, grants,
                                        ngrants, err);
        rc = rc ? rc : ac_keeps_admin(s, txn, out, out->active, grants,
                                      ngrants, err);
        copy = rc ? NULL : ac_grants_copy(grants, ngrants);

        if (copy == NULL) {
            json_decref(change);
            rc = rc ? rc : AC_ENOMEM;
            goto done;
        }

        json_object_set_new(change, "grants",
                            json_pack("{s:o, s:o}",
                                      "from", ac_grants_json(out->grants,
                                                             out->ngrants),
                                      "to", ac_grants_json(grants, ngrants)));
        ac_cred_free(out);
        out->grants = copy;
        out->ngrants = ngrants;
    }

    out->updated_at = ac_now();
    rc = ac_cred_put(s, txn, out);
    rc = rc ? rc : ac_audit(ops, txn, out->org_id, "credential.update",
                            out->client_id,
                            change);

done:

    return ac_cred_done(s, txn, rc, out, err);
}


int
ac_cred_set_active(ac_ops_t *ops, const char *client_id, int active,
    ac_cred_t *out, ac_err_t *err)
{
    int          rc;
    MDB_txn     *txn;
    ac_store_t  *s = ops->store;

    rc = ac_cred_begin(ops, client_id, &txn, out, err);
    if (rc != AC_OK) {
        return rc;
    }

    if (!active) {
        rc = ac_keeps_admin(s, txn, out, 0, NULL, 0, err);
        if (rc != AC_OK) {
            return ac_cred_done(s, txn, rc, out, err);
        }

        /* tokens carry the generation they were issued in */
        if (out->active) {
            out->gen++;
        }
    }

    out->active = active;
    out->updated_at = ac_now();

    rc = ac_cred_put(s, txn, out);
    rc = rc ? rc : ac_audit(ops, txn, out->org_id,
                            active ? "credential.activate"
                                             : "credential.deactivate",
                            out->client_id,
                            json_pack("{s:b}", "active", active));

    return ac_cred_done(s, txn, rc, out, err);
}


int
ac_cred_rotate(ac_ops_t *ops, const char *client_id, int64_t grace,
    char *secret, ac_cred_t *out, ac_err_t *err)
{
    int          rc;
    MDB_txn     *txn;
    ac_store_t  *s = ops->store;

    if (grace < 0 || grace > AC_GRACE_MAX) {
        return ac_fail(err, AC_EINVAL, "grace_seconds: 0 to %d",
                       AC_GRACE_MAX);
    }

    rc = ac_cred_begin(ops, client_id, &txn, out, err);
    if (rc != AC_OK) {
        return rc;
    }

    out->updated_at = ac_now();
    out->secret_rotated_at = out->updated_at;

    /* only the secret current just before survives, and only for grace */
    memcpy(out->prev_hash, out->hash, AC_HASH_LEN);
    out->prev_valid_until = grace ? out->updated_at + grace : 0;

    ac_secret_generate(secret);
    ac_secret_hash(s->hash_key, secret, AC_SECRET_LEN, out->hash);

    rc = ac_cred_put(s, txn, out);
    rc = rc ? rc : ac_audit(ops, txn, out->org_id, "credential.rotate",
                            out->client_id,
                            json_pack("{s:I}", "grace_seconds",
                                      (json_int_t) grace));
    rc = ac_cred_done(s, txn, rc, out, err);

    if (rc != AC_OK) {
        sodium_memzero(secret, AC_SECRET_LEN + 1);
    }

    return rc;
}


int
ac_cred_delete(ac_ops_t *ops, const char *client_id, ac_err_t *err)
{
    int          rc;
    MDB_val      k;
    MDB_txn     *txn;
    ac_cred_t    c;
    ac_store_t  *s = ops->store;

    rc = ac_cred_begin(ops, client_id, &txn, &c, err);
    if (rc != AC_OK) {
        return rc;
    }

    rc = ac_keeps_admin(s, txn, &c, 0, NULL, 0, err);

    if (rc == AC_OK) {
        k.mv_data = c.client_id;
        k.mv_size = strlen(c.client_id);
        rc = mdb_del(txn, s->creds, &k, NULL);
        if (rc != 0) {
            s->lmdb_rc = rc;
            rc = AC_ESTORE;
        }
    }

    rc = rc ? rc : ac_audit(ops, txn, c.org_id, "credential.delete",
                            c.client_id,
                            ac_cred_json(&c));
    ac_cred_free(&c);

    return ac_finish(s, txn, rc, err);
}


int
ac_node_add(ac_ops_t *ops, int level, ac_node_t *n, ac_err_t *err)
{
    int          rc;
    MDB_val      k, v;
    MDB_dbi      dbi;
    MDB_txn     *txn;
    MDB_cursor  *cur;
    ac_store_t  *s = ops->store;
    const char  *what = ac_level_name(level);

    static const char  *parents[] = { NULL, "org_id", "account_id" };

    rc = ac_name_valid(n->name, err);
    if (rc != AC_OK) {
        return rc;
    }

    if (n->id > AC_ID_MAX) {
        return ac_fail(err, AC_EINVAL, "id: must be a positive integer");
    }

    dbi = level == AC_LEVEL_ORG ? s->orgs
          : level == AC_LEVEL_ACCOUNT ? s->accounts : s->workspaces;

    rc = ac_txn_begin(s, 1, &txn);
    if (rc != AC_OK) {
        return ac_finish(s, NULL, rc, err);
    }

    if (level != AC_LEVEL_ORG
        && (ac_get_id(s, txn, level == AC_LEVEL_ACCOUNT ? s->orgs
                                                        : s->accounts,
                      n->parent, &v) != AC_OK
            || (ops->org_id
                && ac_org_of(s, txn, level - 1, n->parent, NULL)
                   != ops->org_id)))
    {
        rc = ac_fail(err, AC_EINVAL, "%s: unknown %s %llu", parents[level],
                     ac_level_name(level - 1),
                     (unsigned long long) n->parent);
        goto done;
    }

    if (n->id == 0) {
        n->id = 1;
        if (mdb_cursor_open(txn, dbi, &cur) == 0) {
            if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8) {
                n->id = ac_u64_get(k.mv_data) + 1;
            }
            mdb_cursor_close(cur);
        }

    } else if (ac_get_id(s, txn, dbi, n->id, &v) == AC_OK) {
        rc = ac_fail(err, AC_ECONFLICT, "%s %llu exists already", what,
                     (unsigned long long) n->id);
        goto done;
    }

    rc = ac_node_put(s, txn, dbi, n);
    rc = rc ? rc : ac_audit(ops, txn,
                            level == AC_LEVEL_ORG ? n->id
                            : ac_org_of(s, txn, level, n->id, NULL),
                            level == AC_LEVEL_ORG ? "org.create"
                                      : level == AC_LEVEL_ACCOUNT
                                      ? "account.create" : "workspace.create",
                            what, ac_node_json(level, n));

done:

    return ac_finish(s, txn, rc, err);
}


static int
ac_api_valid(const ac_api_t *a, ac_err_t *err)
{
    int     rc;
    size_t  i, j;

    if (!ac_slug_valid(a->slug, strlen(a->slug))) {
        return ac_fail(err, AC_EINVAL, "slug: 1 to %d of a-z 0-9 _ -, "
                       "starting with a letter", AC_SLUG_MAX);
    }

    rc = ac_name_valid(a->name, err);
    if (rc != AC_OK) {
        return rc;
    }

    if (a->level < AC_LEVEL_ORG || a->level > AC_LEVEL_WORKSPACE) {
        return ac_fail(err, AC_EINVAL, "level: org, account or workspace");
    }

    if (a->nperms == 0 || a->nperms > AC_PERMS_MAX) {
        return ac_fail(err, AC_EINVAL, "permissions: 1 to %d names",
                       AC_PERMS_MAX);
    }

    for (i = 0; i < a->nperms; i++) {
        if (!ac_slug_valid(a->perms[i], strlen(a->perms[i]))) {
            return ac_fail(err, AC_EINVAL, "permissions[%zu]: 1 to %d of "
                           "a-z 0-9 _ -, starting with a letter", i,
                           AC_SLUG_MAX);
        }

        for (j = 0; j < i; j++) {
            if (strcmp(a->perms[i], a->perms[j]) == 0) {
                return ac_fail(err, AC_EINVAL, "permissions[%zu]: duplicate",
                               i);
            }
        }
    }

    return AC_OK;
}


int
ac_api_add(ac_ops_t *ops, const ac_api_t *a, ac_err_t *err)
{
    int          rc;
    MDB_val      v;
    MDB_txn     *txn;
    ac_store_t  *s = ops->store;

    rc = ac_api_valid(a, err);
    if (rc != AC_OK) {
        return rc;
    }

    rc = ac_txn_begin(s, 1, &txn);
    if (rc != AC_OK) {
        return ac_finish(s, NULL, rc, err);
    }

    if (ac_get(s, txn, s->apis, a->slug, strlen(a->slug), &v) == AC_OK) {
        rc = ac_fail(err, AC_ECONFLICT, "API \"%s\" exists already", a->slug);

    } else {
        rc = ac_api_put(s, txn, a);
        rc = rc ? rc : ac_audit(ops, txn, 0, "api.create", a->slug,
                                ac_api_json(a));
    }

    return ac_finish(s, txn, rc, err);
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


/* 1 when some credential has a grant on api (with permission perm, when
 * perm is not NULL). Reads records in place. */
static int
ac_api_in_use(ac_store_t *s, MDB_txn *txn, const char *api, const char *perm)
{
    int              found = 0;
    MDB_val          k, v;
    MDB_cursor      *cur;
    const uint8_t   *pos;
    ac_cred_view_t   cv;
    ac_grant_view_t  g;

    if (mdb_cursor_open(txn, s->creds, &cur) != 0) {
        return 1;
    }

    while (!found && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        if (ac_cred_view(v.mv_data, v.mv_size, &cv) != AC_OK) {
            continue;
        }

        pos = cv.grants;
        while (ac_grant_next(&cv, &pos, &g)) {
            if (g.api_len == strlen(api) && memcmp(g.api, api, g.api_len) == 0
                && (perm == NULL
                    || (g.permission_len == strlen(perm)
                        && memcmp(g.permission, perm, g.permission_len) == 0)))
            {
                found = 1;
            }
        }
    }

    mdb_cursor_close(cur);

    return found;
}


static int
ac_api_begin(ac_ops_t *ops, const char *slug, MDB_txn **txn, ac_api_t *a,
    ac_err_t *err)
{
    int  rc;

    rc = ac_txn_begin(ops->store, 1, txn);
    if (rc != AC_OK) {
        return ac_finish(ops->store, NULL, rc, err);
    }

    rc = strlen(slug) <= AC_SLUG_MAX
         ? ac_api_get(ops->store, *txn, slug, strlen(slug), a) : AC_ENOTFOUND;

    if (rc == AC_ENOTFOUND) {
        mdb_txn_abort(*txn);
        return ac_fail(err, rc, "unknown API \"%.64s\"", slug);
    }

    return rc == AC_OK ? AC_OK : ac_finish(ops->store, *txn, rc, err);
}


int
ac_api_update(ac_ops_t *ops, const char *slug, const char *name,
    char (*perms)[AC_SLUG_MAX + 1], size_t nperms, ac_api_t *out,
    ac_err_t *err)
{
    int          rc;
    size_t       i, j;
    json_t      *change;
    MDB_txn     *txn;
    ac_api_t     next;
    ac_store_t  *s = ops->store;

    rc = ac_api_begin(ops, slug, &txn, out, err);
    if (rc != AC_OK) {
        return rc;
    }

    next = *out;

    if (name != NULL) {
        snprintf(next.name, sizeof(next.name), "%s", name);
    }

    if (perms != NULL) {
        next.nperms = nperms;
        memcpy(next.perms, perms, nperms * sizeof(perms[0]));
    }

    /* the same rules as a new API */
    rc = ac_api_valid(&next, err);

    for (i = 0; rc == AC_OK && perms != NULL && i < out->nperms; i++) {
        for (j = 0; j < nperms; j++) {
            if (strcmp(out->perms[i], perms[j]) == 0) {
                break;
            }
        }

        if (j == nperms && ac_api_in_use(s, txn, slug, out->perms[i])) {
            rc = ac_fail(err, AC_ECONFLICT, "permissions: \"%s\" is granted "
                         "to a credential", out->perms[i]);
        }
    }

    if (rc == AC_OK) {
        change = json_pack("{s:o, s:o}", "from", ac_api_json(out),
                           "to", ac_api_json(&next));
        rc = ac_api_put(s, txn, &next);
        rc = rc ? rc : ac_audit(ops, txn, 0, "api.update", slug, change);
        *out = next;
    }

    return ac_finish(s, txn, rc, err);
}


int
ac_api_delete(ac_ops_t *ops, const char *slug, ac_err_t *err)
{
    int          rc;
    MDB_val      k;
    MDB_txn     *txn;
    ac_api_t     a;
    ac_store_t  *s = ops->store;

    rc = ac_api_begin(ops, slug, &txn, &a, err);
    if (rc != AC_OK) {
        return rc;
    }

    if (strcmp(slug, "credentials") == 0) {
        rc = ac_fail(err, AC_ECONFLICT, "the credentials API is built in");

    } else if (ac_api_in_use(s, txn, slug, NULL)) {
        rc = ac_fail(err, AC_ECONFLICT, "API \"%s\" is granted to a "
                     "credential", slug);

    } else {
        k.mv_data = (void *) slug;
        k.mv_size = strlen(slug);
        rc = mdb_del(txn, s->apis, &k, NULL) == 0 ? AC_OK : AC_ESTORE;
        rc = rc ? rc : ac_audit(ops, txn, 0, "api.delete", slug,
                                ac_api_json(&a));
    }

    return ac_finish(s, txn, rc, err);
}


int
ac_key_rotate(ac_ops_t *ops, ac_key_t *out, ac_err_t *err)
{
    int          rc;
    MDB_val      k, v;
    MDB_txn     *txn;
    ac_key_t     key;
    MDB_cursor  *cur;
    ac_store_t  *s = ops->store;

    rc = ac_txn_begin(s, 1, &txn);
    if (rc != AC_OK) {
        return ac_finish(s, NULL, rc, err);
    }

    if (mdb_cursor_open(txn, s->keys, &cur) != 0) {
        return ac_finish(s, txn, AC_ESTORE, err);
    }

    /* retire every key, then add the new one */
    while (rc == AC_OK && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        if (k.mv_size > AC_KID_LEN
            || ac_key_decode(v.mv_data, v.mv_size, &key) != AC_OK)
        {
            continue;
        }

        memcpy(key.kid, k.mv_data, k.mv_size);
        key.kid[k.mv_size] = '\0';
        key.active = 0;
        rc = ac_key_put(s, txn, &key);
    }

    mdb_cursor_close(cur);
    sodium_memzero(&key, sizeof(key));

    rc = rc ? rc : ac_key_new(s, txn, out);
    rc = rc ? rc : ac_audit(ops, txn, 0, "key.rotate", out->kid, NULL);

    return ac_finish(s, txn, rc, err);
}


int
ac_key_delete(ac_ops_t *ops, const char *kid, ac_err_t *err)
{
    int          rc;
    MDB_val      k;
    MDB_txn     *txn;
    ac_key_t     key;
    ac_store_t  *s = ops->store;

    rc = ac_txn_begin(s, 1, &txn);
    if (rc != AC_OK) {
        return ac_finish(s, NULL, rc, err);
    }

    rc = ac_key_get(s, txn, kid, strlen(kid), &key);

    if (rc == AC_ENOTFOUND) {
        rc = ac_fail(err, rc, "unknown key \"%.64s\"", kid);

    } else if (rc == AC_OK && key.active) {
        rc = ac_fail(err, AC_ECONFLICT, "key %s is the active one: rotate "
                     "first", kid);

    } else if (rc == AC_OK) {
        k.mv_data = (void *) kid;
        k.mv_size = strlen(kid);
        rc = mdb_del(txn, s->keys, &k, NULL) == 0 ? AC_OK : AC_ESTORE;
        rc = rc ? rc : ac_audit(ops, txn, 0, "key.delete", kid, NULL);
    }

    sodium_memzero(&key, sizeof(key));

    return ac_finish(s, txn, rc, err);
}
