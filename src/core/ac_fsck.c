/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "ac_fsck.h"
#include "ac_ops.h"


typedef struct {
    ac_store_t    *store;
    MDB_txn       *txn;
    ac_report_pt   report;
    void          *data;
    ac_fsck_t     *out;
} ac_fsck_ctx_t;


static void
ac_problem(ac_fsck_ctx_t *f, const char *fmt, ...)
{
    char     msg[512];
    va_list  args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    f->out->problems++;
    f->report(f->data, msg);
}


/* Calls fn for every record of dbi. */
static int
ac_each(ac_fsck_ctx_t *f, MDB_dbi dbi,
    void (*fn)(ac_fsck_ctx_t *f, MDB_val *k, MDB_val *v))
{
    MDB_val      k, v;
    MDB_cursor  *cur;

    if (mdb_cursor_open(f->txn, dbi, &cur) != 0) {
        return AC_ESTORE;
    }

    while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        fn(f, &k, &v);
    }

    mdb_cursor_close(cur);

    return AC_OK;
}


static void
ac_fsck_key(ac_fsck_ctx_t *f, MDB_val *k, MDB_val *v)
{
    ac_key_t  key;

    f->out->keys++;

    if (k->mv_size == 0 || k->mv_size > AC_KID_LEN
        || ac_key_decode(v->mv_data, v->mv_size, &key) != AC_OK)
    {
        ac_problem(f, "signing key %.*s: unreadable record",
                   (int) k->mv_size, (char *) k->mv_data);
    }
}


static void
ac_fsck_api(ac_fsck_ctx_t *f, MDB_val *k, MDB_val *v)
{
    ac_api_t  a;

    f->out->apis++;

    if (!ac_slug_valid(k->mv_data, k->mv_size)
        || ac_api_decode(v->mv_data, v->mv_size, &a) != AC_OK
        || a.nperms == 0)
    {
        ac_problem(f, "API %.*s: unreadable record", (int) k->mv_size,
                   (char *) k->mv_data);
    }
}


static void
ac_fsck_node(ac_fsck_ctx_t *f, MDB_val *k, MDB_val *v, int level)
{
    MDB_val    pv;
    ac_node_t  n;

    f->out->nodes++;

    if (k->mv_size != 8
        || ac_node_decode(ac_u64_get(k->mv_data), v->mv_data, v->mv_size, &n)
           != AC_OK)
    {
        ac_problem(f, "%s: unreadable record", ac_level_name(level));
        return;
    }

    if (level != AC_LEVEL_ORG
        && ac_get_id(f->store, f->txn, level == AC_LEVEL_ACCOUNT
                     ? f->store->orgs : f->store->accounts, n.parent, &pv)
           != AC_OK)
    {
        ac_problem(f, "%s %llu: its parent %llu does not exist",
                   ac_level_name(level), (unsigned long long) n.id,
                   (unsigned long long) n.parent);
    }
}


static void
ac_fsck_org(ac_fsck_ctx_t *f, MDB_val *k, MDB_val *v)
{
    ac_fsck_node(f, k, v, AC_LEVEL_ORG);
}


static void
ac_fsck_account(ac_fsck_ctx_t *f, MDB_val *k, MDB_val *v)
{
    ac_fsck_node(f, k, v, AC_LEVEL_ACCOUNT);
}


static void
ac_fsck_workspace(ac_fsck_ctx_t *f, MDB_val *k, MDB_val *v)
{
    ac_fsck_node(f, k, v, AC_LEVEL_WORKSPACE);
}


static void
ac_fsck_cred(ac_fsck_ctx_t *f, MDB_val *k, MDB_val *v)
{
    ac_err_t   err;
    ac_cred_t  c;
    char       id[AC_CLIENT_ID_LEN + 1];

    f->out->creds++;

    if (k->mv_size != AC_CLIENT_ID_LEN
        || ac_cred_decode(v->mv_data, v->mv_size, &c) != AC_OK)
    {
        ac_problem(f, "credential %.*s: unreadable record",
                   (int) (k->mv_size > 64 ? 64 : k->mv_size),
                   (char *) k->mv_data);
        return;
    }

    memcpy(id, k->mv_data, k->mv_size);
    id[k->mv_size] = '\0';

    if (ac_org_of(f->store, f->txn, AC_LEVEL_ORG, c.org_id, NULL) == 0) {
        ac_problem(f, "credential %s: org %llu does not exist", id,
                   (unsigned long long) c.org_id);

    } else if (ac_grants_validate(f->store, f->txn, c.org_id, c.grants,
                                  c.ngrants, &err) != AC_OK)
    {
        ac_problem(f, "credential %s: %s", id, err.msg);
    }

    ac_cred_free(&c);
}


static void
ac_fsck_audit(ac_fsck_ctx_t *f, MDB_val *k, MDB_val *v)
{
    json_t  *rec;

    f->out->audit++;

    rec = json_loadb(v->mv_data, v->mv_size, 0, NULL);

    if (k->mv_size != 8 || rec == NULL
        || (uint64_t) json_integer_value(json_object_get(rec, "seq"))
           != ac_u64_get(k->mv_data))
    {
        ac_problem(f, "audit record %zu: unreadable or out of sequence",
                   f->out->audit);
    }

    json_decref(rec);
}


int
ac_store_fsck(ac_store_t *s, ac_report_pt report, void *data, ac_fsck_t *out)
{
    int            rc;
    ac_key_t       key;
    ac_fsck_ctx_t  f = { s, NULL, report, data, out };

    memset(out, 0, sizeof(ac_fsck_t));

    rc = ac_txn_begin(s, 0, &f.txn);
    if (rc != AC_OK) {
        return rc;
    }

    rc = ac_each(&f, s->keys, ac_fsck_key);
    rc = rc ? rc : ac_each(&f, s->apis, ac_fsck_api);
    rc = rc ? rc : ac_each(&f, s->orgs, ac_fsck_org);
    rc = rc ? rc : ac_each(&f, s->accounts, ac_fsck_account);
    rc = rc ? rc : ac_each(&f, s->workspaces, ac_fsck_workspace);
    rc = rc ? rc : ac_each(&f, s->creds, ac_fsck_cred);
    rc = rc ? rc : ac_each(&f, s->audit, ac_fsck_audit);

    if (rc == AC_OK && ac_key_active(s, f.txn, &key) != AC_OK) {
        ac_problem(&f, "no active signing key");
    }

    mdb_txn_abort(f.txn);

    return rc;
}
