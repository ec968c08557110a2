/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Store operations shared by the admin API and the CLI: init, hierarchy,
 * catalog, signing keys. Credentials are in ac_creds.c, grant rules in
 * ac_grants.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "ac_json.h"
#include "ac_ops_internal.h"
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


int64_t
ac_ops_now(void)
{
    return (int64_t) time(NULL);
}


/*
 * Appends {"seq","time","actor","action","target","change"} and the org it
 * concerns (0: the whole store); takes change.
 */
int
ac_ops_audit(ac_ops_t *ops, MDB_txn *txn, uint64_t org, const char *action,
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

    ac_time_format(ac_ops_now(), tbuf);
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
int
ac_ops_finish(ac_store_t *s, MDB_txn *txn, int rc, ac_err_t *err)
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


int
ac_ops_name_valid(const char *name, ac_err_t *err)
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


/* Generates and stores a new active Ed25519 signing key. */
static int
ac_key_new(ac_store_t *s, MDB_txn *txn, ac_key_t *key)
{
    uint8_t  raw[12];

    memset(key, 0, sizeof(ac_key_t));
    randombytes_buf(raw, sizeof(raw));
    ac_b64url_encode(raw, sizeof(raw), key->kid, sizeof(key->kid));
    key->active = 1;
    key->created_at = ac_ops_now();
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

    for (i = 0;
         rc == AC_OK && i < sizeof(ac_seed_apis) / sizeof(ac_seed_apis[0]);
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

    rc = rc ? rc : ac_ops_audit(ops, txn, 0, "init", "store", NULL);

    return ac_ops_finish(s, txn, rc, err);
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

    rc = ac_ops_name_valid(n->name, err);
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
        return ac_ops_finish(s, NULL, rc, err);
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
    rc = rc ? rc : ac_ops_audit(ops, txn,
                            level == AC_LEVEL_ORG ? n->id
                            : ac_org_of(s, txn, level, n->id, NULL),
                            level == AC_LEVEL_ORG ? "org.create"
                                      : level == AC_LEVEL_ACCOUNT
                                      ? "account.create" : "workspace.create",
                            what, ac_node_json(level, n));

done:

    return ac_ops_finish(s, txn, rc, err);
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

    rc = ac_ops_name_valid(a->name, err);
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
        return ac_ops_finish(s, NULL, rc, err);
    }

    if (ac_get(s, txn, s->apis, a->slug, strlen(a->slug), &v) == AC_OK) {
        rc = ac_fail(err, AC_ECONFLICT, "API \"%s\" exists already", a->slug);

    } else {
        rc = ac_api_put(s, txn, a);
        rc = rc ? rc : ac_ops_audit(ops, txn, 0, "api.create", a->slug,
                                ac_api_json(a));
    }

    return ac_ops_finish(s, txn, rc, err);
}


static int
ac_api_begin(ac_ops_t *ops, const char *slug, MDB_txn **txn, ac_api_t *a,
    ac_err_t *err)
{
    int  rc;

    rc = ac_txn_begin(ops->store, 1, txn);
    if (rc != AC_OK) {
        return ac_ops_finish(ops->store, NULL, rc, err);
    }

    rc = strlen(slug) <= AC_SLUG_MAX
         ? ac_api_get(ops->store, *txn, slug, strlen(slug), a) : AC_ENOTFOUND;

    if (rc == AC_ENOTFOUND) {
        mdb_txn_abort(*txn);
        return ac_fail(err, rc, "unknown API \"%.64s\"", slug);
    }

    return rc == AC_OK ? AC_OK : ac_ops_finish(ops->store, *txn, rc, err);
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

        if (j == nperms
            && ac_ops_grant_held(s, txn, slug, out->perms[i], 0, NULL) != 0)
        {
            rc = ac_fail(err, AC_ECONFLICT, "permissions: \"%s\" is granted "
                         "to a credential", out->perms[i]);
        }
    }

    if (rc == AC_OK) {
        change = json_pack("{s:o, s:o}", "from", ac_api_json(out),
                           "to", ac_api_json(&next));
        rc = ac_api_put(s, txn, &next);
        rc = rc ? rc : ac_ops_audit(ops, txn, 0, "api.update", slug, change);
        *out = next;
    }

    return ac_ops_finish(s, txn, rc, err);
}


int
ac_api_delete(ac_ops_t *ops, const char *slug, ac_err_t *err)
{
    int          rc;
    MDB_txn     *txn;
    ac_api_t     a;
    ac_store_t  *s = ops->store;

    rc = ac_api_begin(ops, slug, &txn, &a, err);
    if (rc != AC_OK) {
        return rc;
    }

    if (strcmp(slug, "credentials") == 0) {
        rc = ac_fail(err, AC_ECONFLICT, "the credentials API is built in");

    } else if (ac_ops_grant_held(s, txn, slug, NULL, 0, NULL) != 0) {
        rc = ac_fail(err, AC_ECONFLICT, "API \"%s\" is granted to a "
                     "credential", slug);

    } else {
        rc = ac_del(s, txn, s->apis, slug, strlen(slug));
        rc = rc ? rc : ac_ops_audit(ops, txn, 0, "api.delete", slug,
                                ac_api_json(&a));
    }

    return ac_ops_finish(s, txn, rc, err);
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
        return ac_ops_finish(s, NULL, rc, err);
    }

    if (mdb_cursor_open(txn, s->keys, &cur) != 0) {
        return ac_ops_finish(s, txn, AC_ESTORE, err);
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
    rc = rc ? rc : ac_ops_audit(ops, txn, 0, "key.rotate", out->kid, NULL);

    return ac_ops_finish(s, txn, rc, err);
}


int
ac_key_delete(ac_ops_t *ops, const char *kid, ac_err_t *err)
{
    int          rc;
    MDB_txn     *txn;
    ac_key_t     key;
    ac_store_t  *s = ops->store;

    rc = ac_txn_begin(s, 1, &txn);
    if (rc != AC_OK) {
        return ac_ops_finish(s, NULL, rc, err);
    }

    rc = ac_key_get(s, txn, kid, strlen(kid), &key);

    if (rc == AC_ENOTFOUND) {
        rc = ac_fail(err, rc, "unknown key \"%.64s\"", kid);

    } else if (rc == AC_OK && key.active) {
        rc = ac_fail(err, AC_ECONFLICT, "key %s is the active one: rotate "
                     "first", kid);

    } else if (rc == AC_OK) {
        rc = ac_del(s, txn, s->keys, kid, strlen(kid));
        rc = rc ? rc : ac_ops_audit(ops, txn, 0, "key.delete", kid, NULL);
    }

    sodium_memzero(&key, sizeof(key));

    return ac_ops_finish(s, txn, rc, err);
}
