/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac_json.h"
#include "ac_query.h"

#include <sodium.h>


/* Turns one record into an item, or NULL to skip it. */
typedef json_t *(*ac_item_pt)(ac_store_t *s, MDB_txn *txn, MDB_val *k,
    MDB_val *v, void *data);


/* Walks dbi from just after the key "after", collecting up to limit items. */
static json_t *
ac_list(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, const void *after,
    size_t alen, size_t limit, ac_item_pt item, void *data,
    char *(*cursor)(MDB_val *k))
{
    int          rc, more = 0;
    char        *next = NULL;
    json_t      *items, *it, *page;
    MDB_val      k, v, last;
    MDB_cursor  *cur;

    items = json_array();

    if (mdb_cursor_open(txn, dbi, &cur) != 0) {
        json_decref(items);
        return NULL;
    }

    if (alen > 0) {
        k.mv_data = (void *) after;
        k.mv_size = alen;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);

        if (rc == 0 && k.mv_size == alen && memcmp(k.mv_data, after, alen) == 0)
        {
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }

    } else {
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    }

    for ( /* void */ ; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        it = item(s, txn, &k, &v, data);
        if (it == NULL) {
            continue;
        }

        if (json_array_size(items) == limit) {
            json_decref(it);
            more = 1;
            break;
        }

        json_array_append_new(items, it);
        last = k;
    }

    /* the next page starts after the last item shown */
    if (more) {
        next = cursor(&last);
    }

    mdb_cursor_close(cur);

    page = json_pack("{s:o, s:s?}", "items", items, "next", next);
    free(next);

    return page;
}


static char *
ac_cursor_str(MDB_val *k)
{
    char  *s = malloc(k->mv_size + 1);

    if (s != NULL) {
        memcpy(s, k->mv_data, k->mv_size);
        s[k->mv_size] = '\0';
    }

    return s;
}


static char *
ac_cursor_id(MDB_val *k)
{
    char  *s = malloc(24);

    if (s != NULL) {
        snprintf(s, 24, "%llu",
                 (unsigned long long) ac_u64_get(k->mv_data));
    }

    return s;
}


static json_t *
ac_cred_item(ac_store_t *s, MDB_txn *txn, MDB_val *k, MDB_val *v, void *data)
{
    size_t             i;
    json_t            *j;
    ac_cred_t          c;
    ac_cred_filter_t  *f = data;

    if (k->mv_size > AC_CLIENT_ID_LEN
        || ac_cred_decode(v->mv_data, v->mv_size, &c) != AC_OK)
    {
        return NULL;
    }

    memcpy(c.client_id, k->mv_data, k->mv_size);
    c.client_id[k->mv_size] = '\0';

    if ((f->org_id && c.org_id != f->org_id)
        || (f->active >= 0 && c.active != f->active))
    {
        ac_cred_free(&c);
        return NULL;
    }

    if (f->api != NULL) {
        for (i = 0; i < c.ngrants; i++) {
            if (strcmp(c.grants[i].api, f->api) == 0) {
                break;
            }
        }

        if (i == c.ngrants) {
            ac_cred_free(&c);
            return NULL;
        }
    }

    j = ac_cred_json(&c);
    ac_cred_free(&c);

    return j;
}


json_t *
ac_list_creds(ac_store_t *s, MDB_txn *txn, const ac_cred_filter_t *f,
    const char *after, size_t limit)
{
    return ac_list(s, txn, s->creds, after, after ? strlen(after) : 0, limit,
                   ac_cred_item, (void *) f, ac_cursor_str);
}


typedef struct {
    int       level;
    uint64_t  parent;
    uint64_t  org_id;
} ac_node_filter_t;


static json_t *
ac_node_item(ac_store_t *s, MDB_txn *txn, MDB_val *k, MDB_val *v, void *data)
{
    ac_node_t          n;
    ac_node_filter_t  *f = data;

    if (k->mv_size != 8
        || ac_node_decode(ac_u64_get(k->mv_data), v->mv_data, v->mv_size, &n)
           != AC_OK
        || (f->parent && n.parent != f->parent)
        || (f->org_id && ac_org_of(s, txn, f->level, n.id, NULL) != f->org_id))
    {
        return NULL;
    }

    return ac_node_json(f->level, &n);
}


json_t *
ac_list_nodes(ac_store_t *s, MDB_txn *txn, int level, uint64_t parent,
    uint64_t org_id, const char *after, size_t limit)
{
    uint8_t           key[8];
    uint64_t          a = 0;
    ac_node_filter_t  f = { level, parent, org_id };

    if (after != NULL) {
        a = ac_id_parse(after, strlen(after));
        ac_u64_put(key, a);
    }

    return ac_list(s, txn, level == AC_LEVEL_ORG ? s->orgs
                           : level == AC_LEVEL_ACCOUNT ? s->accounts
                           : s->workspaces,
                   key, a ? 8 : 0, limit, ac_node_item, &f, ac_cursor_id);
}


static json_t *
ac_api_item(ac_store_t *s, MDB_txn *txn, MDB_val *k, MDB_val *v, void *data)
{
    ac_api_t  a;

    if (k->mv_size > AC_SLUG_MAX
        || ac_api_decode(v->mv_data, v->mv_size, &a) != AC_OK)
    {
        return NULL;
    }

    memcpy(a.slug, k->mv_data, k->mv_size);
    a.slug[k->mv_size] = '\0';

    return ac_api_json(&a);
}


json_t *
ac_list_apis(ac_store_t *s, MDB_txn *txn, const char *after, size_t limit)
{
    return ac_list(s, txn, s->apis, after, after ? strlen(after) : 0, limit,
                   ac_api_item, NULL, ac_cursor_str);
}


/* Records of the org, and those of the whole store; the org is not shown. */
static json_t *
ac_audit_item(ac_store_t *s, MDB_txn *txn, MDB_val *k, MDB_val *v, void *data)
{
    json_int_t   org;
    json_t      *rec;
    uint64_t    *want = data;

    rec = json_loadb(v->mv_data, v->mv_size, 0, NULL);
    org = json_integer_value(json_object_get(rec, "org_id"));

    if (rec != NULL && *want && org && (uint64_t) org != *want) {
        json_decref(rec);
        return NULL;
    }

    json_object_del(rec, "org_id");

    return rec;
}


json_t *
ac_list_audit(ac_store_t *s, MDB_txn *txn, uint64_t org_id, const char *after,
    size_t limit)
{
    uint8_t   key[8];
    uint64_t  a = 0;

    if (after != NULL) {
        a = ac_id_parse(after, strlen(after));
        ac_u64_put(key, a);
    }

    return ac_list(s, txn, s->audit, key, a ? 8 : 0, limit, ac_audit_item,
                   &org_id, ac_cursor_id);
}


json_t *
ac_list_keys(ac_store_t *s, MDB_txn *txn)
{
    json_t      *arr;
    MDB_val      k, v;
    ac_key_t     key;
    MDB_cursor  *cur;

    arr = json_array();

    if (mdb_cursor_open(txn, s->keys, &cur) != 0) {
        json_decref(arr);
        return NULL;
    }

    while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        if (k.mv_size <= AC_KID_LEN
            && ac_key_decode(v.mv_data, v.mv_size, &key) == AC_OK)
        {
            memcpy(key.kid, k.mv_data, k.mv_size);
            key.kid[k.mv_size] = '\0';
            json_array_append_new(arr, ac_key_json(&key));
        }
    }

    mdb_cursor_close(cur);
    sodium_memzero(&key, sizeof(key));

    return arr;
}
