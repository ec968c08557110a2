/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac_check.h"
#include "ac_secret.h"


int
ac_store_key_lookup(void *store, const char *kid, size_t len, uint8_t pk[32])
{
    int          rc;
    ac_store_t  *s = store;
    MDB_val      v;

    rc = ac_get(s, s->rtxn, s->keys, kid, len, &v);

    /* version, status, created_at, then the public key */
    if (rc == AC_OK) {
        if (v.mv_size < 10 + 32) {
            return AC_ESTORE;
        }
        memcpy(pk, (const uint8_t *) v.mv_data + 10, 32);
    }

    return rc;
}


static int
ac_str_eq(ac_str_t a, const char *b, size_t blen)
{
    return a.len == blen && memcmp(a.data, b, blen) == 0;
}


static int
ac_grant_has_id(const ac_grant_view_t *g, uint64_t id)
{
    size_t  i;

    for (i = 0; i < g->nids; i++) {
        if (ac_grant_id(g, i) == id) {
            return 1;
        }
    }

    return 0;
}


static int
ac_permission_accepted(const ac_check_t *chk, const ac_grant_view_t *g)
{
    size_t  i;

    if (chk->nperms == 0) {
        return 1;
    }

    for (i = 0; i < chk->nperms; i++) {
        if (ac_str_eq(chk->perms[i], g->permission, g->permission_len)) {
            return 1;
        }
    }

    return 0;
}


/* The level of an API, read in place from its record; -1 when unknown. */
static int
ac_api_level(ac_store_t *s, ac_str_t api)
{
    MDB_val  v;

    if (ac_get(s, s->rtxn, s->apis, api.data, api.len, &v) != AC_OK
        || v.mv_size < 2)
    {
        return -1;
    }

    return ((const uint8_t *) v.mv_data)[1];
}


int
ac_check(ac_store_t *s, const ac_claims_t *claims, const ac_check_t *chk,
    ac_check_result_t *res, const char **reason)
{
    int              rc, level = -1;
    uint64_t         target = 0, account = 0;
    MDB_val          v;
    const uint8_t   *pos;
    ac_cred_view_t   cred;
    ac_grant_view_t  g;

    rc = ac_get(s, s->rtxn, s->creds, claims->client_id,
                claims->client_id_len, &v);

    if (rc == AC_ENOTFOUND) {
        *reason = "credential deleted";
        return AC_EDENIED;
    }

    if (rc != AC_OK || ac_cred_view(v.mv_data, v.mv_size, &cred) != AC_OK) {
        *reason = "credential record unreadable";
        return AC_ESTORE;
    }

    if (!cred.active) {
        *reason = "credential inactive";
        return AC_EDENIED;
    }

    if (cred.gen != claims->gen) {
        *reason = "token issued before the last deactivation";
        return AC_EDENIED;
    }

    /* a deleted signing key takes its tokens with it, cached or not */
    if (ac_get(s, s->rtxn, s->keys, claims->kid, claims->kid_len, &v)
        != AC_OK)
    {
        *reason = "the token's signing key was deleted";
        return AC_EDENIED;
    }

    if (chk->scoped) {
        level = ac_api_level(s, chk->api);
        target = ac_id_parse(chk->target.data, chk->target.len);

        if (level < 0 || target == 0
            || ac_org_of(s, s->rtxn, level, target, &account) != cred.org_id)
        {
            *reason = "scope is not a known id of the credential's org";
            return AC_EFORBIDDEN;
        }
    }

    pos = cred.grants;

    while (ac_grant_next(&cred, &pos, &g)) {

        if (!ac_str_eq(chk->api, g.api, g.api_len)
            || !ac_permission_accepted(chk, &g))
        {
            continue;
        }

        if (chk->scoped
            && !(g.level == AC_LEVEL_ORG
                 || (g.level == AC_LEVEL_ACCOUNT && level >= AC_LEVEL_ACCOUNT
                     && ac_grant_has_id(&g, account))
                 || (g.level == AC_LEVEL_WORKSPACE
                     && level == AC_LEVEL_WORKSPACE
                     && ac_grant_has_id(&g, target))))
        {
            continue;
        }

        res->org_id = cred.org_id;
        res->name.data = cred.name;
        res->name.len = cred.name_len;
        res->permission.data = g.permission;
        res->permission.len = g.permission_len;

        return AC_OK;
    }

    *reason = "no grant covers this API, permission and scope";

    return AC_EFORBIDDEN;
}


int
ac_decide(ac_store_t *s, const ac_claims_t *claims, const ac_check_t *chk,
    ac_decision_t *d, const char **reason)
{
    int                rc;
    uint64_t           txnid;
    MDB_envinfo        info;
    ac_check_result_t  res;

    /* the last committed txn id: read from the map, no lock, no syscall */
    mdb_env_info(s->env, &info);
    txnid = info.me_last_txnid;

    if (d->txnid == txnid && d->where == chk->where
        && d->target_len == chk->target.len
        && (chk->target.len == 0
            || memcmp(d->target, chk->target.data, chk->target.len) == 0))
    {
        return AC_OK;
    }

    d->txnid = 0;

    rc = ac_store_read_begin(s);
    if (rc != AC_OK) {
        *reason = "cannot begin a read transaction";
        return rc;
    }

    rc = ac_check(s, claims, chk, &res, reason);

    if (rc == AC_OK && res.name.len <= sizeof(d->name)
        && res.permission.len <= sizeof(d->permission))
    {
        d->org_id_len = snprintf(d->org_id, sizeof(d->org_id), "%llu",
                                 (unsigned long long) res.org_id);
        memcpy(d->name, res.name.data, res.name.len);
        d->name_len = res.name.len;
        memcpy(d->permission, res.permission.data, res.permission.len);
        d->permission_len = res.permission.len;

        if (chk->target.len <= AC_TARGET_MAX) {
            if (chk->target.len > 0) {
                memcpy(d->target, chk->target.data, chk->target.len);
            }
            d->target_len = chk->target.len;
            d->where = chk->where;
            d->txnid = txnid;
        }
    }

    ac_store_read_end(s);

    return rc;
}


int
ac_client_authenticate(ac_store_t *s, const char *client_id, size_t idlen,
    const char *secret, size_t slen, int64_t now, uint64_t *gen)
{
    int              rc, ok;
    MDB_val          v;
    ac_cred_view_t   cv;

    rc = ac_get(s, s->rtxn, s->creds, client_id, idlen, &v);

    if (rc == AC_ENOTFOUND || slen != AC_SECRET_LEN) {
        return AC_EDENIED;
    }

    if (rc != AC_OK || ac_cred_view(v.mv_data, v.mv_size, &cv) != AC_OK) {
        return AC_ESTORE;
    }

    ok = ac_secret_matches(s->hash_key, secret, slen, cv.hash);

    if (!ok && cv.prev_valid_until > now) {
        ok = ac_secret_matches(s->hash_key, secret, slen, cv.prev_hash);
    }

    if (!ok || !cv.active) {
        return AC_EDENIED;
    }

    *gen = cv.gen;

    return AC_OK;
}


int
ac_cache_init(ac_cache_t *c, size_t n)
{
    size_t  size = 1;

    c->slots = NULL;
    c->mask = 0;

    if (n == 0) {
        return AC_OK;
    }

    while (size < n) {
        size <<= 1;
    }

    c->slots = calloc(size, sizeof(ac_cache_entry_t));
    if (c->slots == NULL) {
        return AC_ENOMEM;
    }

    c->mask = size - 1;

    return AC_OK;
}


void
ac_cache_free(ac_cache_t *c)
{
    free(c->slots);
    c->slots = NULL;
}


uint64_t
ac_cache_iss_hash(const char *iss, size_t len)
{
    size_t    i;
    uint64_t  h = 14695981039346656037ULL;

    for (i = 0; i < len; i++) {
        h = (h ^ (uint8_t) iss[i]) * 1099511628211ULL;
    }

    return h;
}


/* The signature at the token's end is random: hash its last bytes only. */
static ac_cache_entry_t *
ac_cache_slot(ac_cache_t *c, const char *tok, size_t len)
{
    size_t    n = len < 16 ? len : 16;
    uint64_t  h = ac_cache_iss_hash(tok + len - n, n);

    return &c->slots[(h ^ (h >> 29)) & c->mask];
}


ac_cache_entry_t *
ac_cache_get(ac_cache_t *c, const char *tok, size_t len, uint64_t iss_hash,
    int64_t now, int64_t leeway)
{
    ac_cache_entry_t  *e;

    if (c->slots == NULL || len > AC_CACHE_TOKEN_MAX) {
        return NULL;
    }

    e = ac_cache_slot(c, tok, len);

    if (e->token_len != len || e->iss_hash != iss_hash
        || memcmp(e->token, tok, len) != 0
        || now >= e->claims.exp + leeway)
    {
        return NULL;
    }

    return e;
}


ac_cache_entry_t *
ac_cache_put(ac_cache_t *c, const char *tok, size_t len, uint64_t iss_hash,
    const ac_claims_t *claims)
{
    ac_cache_entry_t  *e;

    if (c->slots == NULL || len > AC_CACHE_TOKEN_MAX) {
        return NULL;
    }

    e = ac_cache_slot(c, tok, len);
    e->token_len = len;
    e->iss_hash = iss_hash;
    e->claims = *claims;
    e->decision.txnid = 0;
    memcpy(e->token, tok, len);

    return e;
}
