/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Credential operations: create, edit, activate, deactivate, rotate,
 * delete; each one write transaction with its audit record, and the
 * last-admin rule.
 */

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "ac_json.h"
#include "ac_ops_internal.h"
#include "ac_secret.h"


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
        && ac_ops_grant_held(s, txn, "credentials", "admin", before->org_id,
                             before->client_id) <= 0)
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

    rc = ac_ops_name_valid(c->name, err);
    if (rc != AC_OK) {
        return rc;
    }

    rc = ac_txn_begin(s, 1, &txn);
    if (rc != AC_OK) {
        return ac_ops_finish(s, NULL, rc, err);
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
    c->created_at = ac_ops_now();
    c->updated_at = c->created_at;
    c->secret_rotated_at = c->created_at;

    rc = ac_cred_put(s, txn, c);
    rc = rc ? rc : ac_ops_audit(ops, txn, c->org_id, "credential.create",
                            c->client_id,
                            ac_cred_json(c));

done:

    rc = ac_ops_finish(s, txn, rc, err);

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
        return ac_ops_finish(s, NULL, rc, err);
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

    return rc == AC_OK ? AC_OK : ac_ops_finish(s, *txn, rc, err);
}


/* Finishes a change to out: on failure out is freed, the caller owns it
 * only on success. */
static int
ac_cred_done(ac_store_t *s, MDB_txn *txn, int rc, ac_cred_t *out,
    ac_err_t *err)
{
    rc = ac_ops_finish(s, txn, rc, err);

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

    if (name != NULL && (rc = ac_ops_name_valid(name, err)) != AC_OK) {
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

    out->updated_at = ac_ops_now();
    rc = ac_cred_put(s, txn, out);
    rc = rc ? rc : ac_ops_audit(ops, txn, out->org_id, "credential.update",
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
    out->updated_at = ac_ops_now();

    rc = ac_cred_put(s, txn, out);
    rc = rc ? rc : ac_ops_audit(ops, txn, out->org_id,
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

    out->updated_at = ac_ops_now();
    out->secret_rotated_at = out->updated_at;

    /* only the secret current just before survives, and only for grace */
    memcpy(out->prev_hash, out->hash, AC_HASH_LEN);
    out->prev_valid_until = grace ? out->updated_at + grace : 0;

    ac_secret_generate(secret);
    ac_secret_hash(s->hash_key, secret, AC_SECRET_LEN, out->hash);

    rc = ac_cred_put(s, txn, out);
    rc = rc ? rc : ac_ops_audit(ops, txn, out->org_id, "credential.rotate",
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
    MDB_txn     *txn;
    ac_cred_t    c;
    ac_store_t  *s = ops->store;

    rc = ac_cred_begin(ops, client_id, &txn, &c, err);
    if (rc != AC_OK) {
        return rc;
    }

    rc = ac_keeps_admin(s, txn, &c, 0, NULL, 0, err);
    rc = rc ? rc : ac_del(s, txn, s->creds, c.client_id, strlen(c.client_id));

    rc = rc ? rc : ac_ops_audit(ops, txn, c.org_id, "credential.delete",
                            c.client_id,
                            ac_cred_json(&c));
    ac_cred_free(&c);

    return ac_ops_finish(s, txn, rc, err);
}
