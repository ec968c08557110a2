/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "ac_store.h"




static int
ac_lmdb_fail(ac_store_t *s, int rc)
{
    s->lmdb_rc = rc;

    return rc == MDB_MAP_FULL ? AC_EFULL : AC_ESTORE;
}


const char *
ac_store_strerror(const ac_store_t *s)
{
    return mdb_strerror(s->lmdb_rc);
}


static int
ac_store_open_dbs(ac_store_t *s, int create)
{
    int          rc, i;
    MDB_txn     *txn;
    MDB_val      key, val;
    uint32_t     schema;
    unsigned     flags = create ? MDB_CREATE : 0;
    uint8_t      schema_be[4];

    static const char  *names[] = { "meta", "keys", "orgs", "accounts",
                                    "workspaces", "apis", "creds", "audit" };
    MDB_dbi            *dbis[] = { &s->meta, &s->keys, &s->orgs, &s->accounts,
                                   &s->workspaces, &s->apis, &s->creds,
                                   &s->audit };

    rc = mdb_txn_begin(s->env, NULL, create ? 0 : MDB_RDONLY, &txn);
    if (rc != 0) {
        return ac_lmdb_fail(s, rc);
    }

    for (i = 0; i < 8; i++) {
        rc = mdb_dbi_open(txn, names[i], flags, dbis[i]);
        if (rc != 0) {
            goto failed;
        }
    }

    key.mv_data = "hash_key";
    key.mv_size = 8;
    rc = mdb_get(txn, s->meta, &key, &val);

    if (rc == MDB_NOTFOUND && create) {
        randombytes_buf(s->hash_key, AC_HASH_LEN);
        val.mv_data = s->hash_key;
        val.mv_size = AC_HASH_LEN;
        rc = mdb_put(txn, s->meta, &key, &val, 0);
        if (rc != 0) {
            goto failed;
        }

        schema_be[0] = 0; schema_be[1] = 0; schema_be[2] = 0;
        schema_be[3] = AC_SCHEMA_VERSION;
        key.mv_data = "schema";
        key.mv_size = 6;
        val.mv_data = schema_be;
        val.mv_size = 4;
        rc = mdb_put(txn, s->meta, &key, &val, 0);
        if (rc != 0) {
            goto failed;
        }

    } else if (rc != 0 || val.mv_size != AC_HASH_LEN) {
        rc = rc ? rc : MDB_INCOMPATIBLE;
        goto failed;

    } else {
        memcpy(s->hash_key, val.mv_data, AC_HASH_LEN);

        key.mv_data = "schema";
        key.mv_size = 6;
        rc = mdb_get(txn, s->meta, &key, &val);
        if (rc != 0 || val.mv_size != 4) {
            rc = rc ? rc : MDB_INCOMPATIBLE;
            goto failed;
        }

        memcpy(schema_be, val.mv_data, 4);
        schema = (uint32_t) schema_be[0] << 24 | schema_be[1] << 16
                 | schema_be[2] << 8 | schema_be[3];
        if (schema != AC_SCHEMA_VERSION) {
            rc = MDB_VERSION_MISMATCH;
            goto failed;
        }
    }

    rc = mdb_txn_commit(txn);

    return rc == 0 ? AC_OK : ac_lmdb_fail(s, rc);

failed:

    mdb_txn_abort(txn);

    return ac_lmdb_fail(s, rc);
}


int
ac_store_open(ac_store_t *s, const char *dir, int flags, size_t map_size)
{
    int          rc, dead;
    char         path[4096];
    struct stat  st;

    memset(s, 0, sizeof(ac_store_t));

    if (flags & AC_STORE_CREATE) {
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            s->lmdb_rc = errno;
            return AC_ESTORE;
        }

    } else {
        snprintf(path, sizeof(path), "%s/data.mdb", dir);
        if (stat(path, &st) != 0) {
            s->lmdb_rc = errno;
            return errno == ENOENT ? AC_ENOTFOUND : AC_ESTORE;
        }
    }

    rc = mdb_env_create(&s->env);
    if (rc != 0) {
        s->env = NULL;
        return ac_lmdb_fail(s, rc);
    }

    mdb_env_set_maxdbs(s->env, 16);
    mdb_env_set_mapsize(s->env, map_size ? map_size : AC_MAP_SIZE_DEFAULT);

    rc = mdb_env_open(s->env, dir,
                      MDB_NOTLS | ((flags & AC_STORE_RDONLY) ? MDB_RDONLY : 0)
                      | ((flags & AC_STORE_NOSYNC) ? MDB_NOSYNC : 0),
                      0600);
    if (rc == 0) {
        /* killed processes leave stale reader slots behind */
        mdb_reader_check(s->env, &dead);
        rc = ac_store_open_dbs(s, flags & AC_STORE_CREATE);
        if (rc == AC_OK) {
            return AC_OK;
        }

    } else {
        s->lmdb_rc = rc;
    }

    mdb_env_close(s->env);
    s->env = NULL;

    return AC_ESTORE;
}


void
ac_store_close(ac_store_t *s)
{
    if (s->rtxn != NULL) {
        mdb_txn_abort(s->rtxn);
        s->rtxn = NULL;
    }

    if (s->env != NULL) {
        mdb_env_close(s->env);
        s->env = NULL;
    }

    sodium_memzero(s->hash_key, AC_HASH_LEN);
}


int
ac_txn_begin(ac_store_t *s, int write, MDB_txn **txn)
{
    int  rc;

    rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, txn);

    if (rc == MDB_MAP_RESIZED) {
        /* another process grew the map: adopt its size */
        mdb_env_set_mapsize(s->env, 0);
        rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, txn);
    }

    return rc == 0 ? AC_OK : ac_lmdb_fail(s, rc);
}


int
ac_txn_commit(ac_store_t *s, MDB_txn *txn)
{
    int  rc;

    rc = mdb_txn_commit(txn);

    return rc == 0 ? AC_OK : ac_lmdb_fail(s, rc);
}


int
ac_store_read_begin(ac_store_t *s)
{
    int  rc;

    if (s->rtxn == NULL) {
        return ac_txn_begin(s, 0, &s->rtxn);
    }

    rc = mdb_txn_renew(s->rtxn);

    if (rc == MDB_MAP_RESIZED) {
        mdb_txn_abort(s->rtxn);
        s->rtxn = NULL;
        return ac_txn_begin(s, 0, &s->rtxn);
    }

    return rc == 0 ? AC_OK : ac_lmdb_fail(s, rc);
}


void
ac_store_read_end(ac_store_t *s)
{
    if (s->rtxn != NULL) {
        mdb_txn_reset(s->rtxn);
    }
}


int
ac_get(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
    MDB_val *val)
{
    int      rc;
    MDB_val  k;

    if (klen == 0 || klen > 511) {
        return AC_ENOTFOUND;
    }

    k.mv_data = (void *) key;
    k.mv_size = klen;

    rc = mdb_get(txn, dbi, &k, val);

    if (rc == MDB_NOTFOUND) {
        return AC_ENOTFOUND;
    }

    return rc == 0 ? AC_OK : ac_lmdb_fail(s, rc);
}


int
ac_get_id(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, uint64_t id, MDB_val *val)
{
    uint8_t  k[8];

    ac_u64_put(k, id);

    return ac_get(s, txn, dbi, k, 8, val);
}


int
ac_put(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
    const void *data, size_t len)
{
    int      rc;
    MDB_val  k, v;

    k.mv_data = (void *) key;
    k.mv_size = klen;
    v.mv_data = (void *) data;
    v.mv_size = len;

    rc = mdb_put(txn, dbi, &k, &v, 0);

    return rc == 0 ? AC_OK : ac_lmdb_fail(s, rc);
}


int
ac_del(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen)
{
    int      rc;
    MDB_val  k;

    k.mv_data = (void *) key;
    k.mv_size = klen;

    rc = mdb_del(txn, dbi, &k, NULL);

    return rc == 0 ? AC_OK : ac_lmdb_fail(s, rc);
}


int
ac_node_get(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, uint64_t id,
    ac_node_t *n)
{
    int      rc;
    MDB_val  v;

    rc = ac_get_id(s, txn, dbi, id, &v);
    if (rc != AC_OK) {
        return rc;
    }

    return ac_node_decode(id, v.mv_data, v.mv_size, n);
}


int
ac_node_put(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, const ac_node_t *n)
{
    size_t   len;
    uint8_t  k[8], buf[sizeof(ac_node_t) + 16];

    len = ac_node_encode(n, buf, sizeof(buf));
    ac_u64_put(k, n->id);

    return ac_put(s, txn, dbi, k, 8, buf, len);
}


int
ac_api_get(ac_store_t *s, MDB_txn *txn, const char *slug, size_t len,
    ac_api_t *a)
{
    int      rc;
    MDB_val  v;

    rc = ac_get(s, txn, s->apis, slug, len, &v);
    if (rc != AC_OK) {
        return rc;
    }

    memcpy(a->slug, slug, len);
    a->slug[len] = '\0';

    return ac_api_decode(v.mv_data, v.mv_size, a);
}


int
ac_api_put(ac_store_t *s, MDB_txn *txn, const ac_api_t *a)
{
    size_t   len;
    uint8_t  buf[sizeof(ac_api_t) + 64];

    len = ac_api_encode(a, buf, sizeof(buf));

    return ac_put(s, txn, s->apis, a->slug, strlen(a->slug), buf, len);
}


int
ac_cred_get(ac_store_t *s, MDB_txn *txn, const char *client_id, ac_cred_t *c)
{
    int      rc;
    MDB_val  v;

    rc = ac_get(s, txn, s->creds, client_id, strlen(client_id), &v);
    if (rc != AC_OK) {
        return rc;
    }

    rc = ac_cred_decode(v.mv_data, v.mv_size, c);
    if (rc == AC_OK) {
        strcpy(c->client_id, client_id);
    }

    return rc;
}


int
ac_cred_put(ac_store_t *s, MDB_txn *txn, const ac_cred_t *c)
{
    int       rc;
    size_t    size, len;
    uint8_t  *buf;

    size = ac_cred_record_size(c);
    buf = malloc(size);
    if (buf == NULL) {
        return AC_ENOMEM;
    }

    len = ac_cred_encode(c, buf, size);
    rc = len ? ac_put(s, txn, s->creds, c->client_id, strlen(c->client_id),
                      buf, len)
             : AC_ESTORE;
    free(buf);

    return rc;
}


int
ac_key_get(ac_store_t *s, MDB_txn *txn, const char *kid, size_t len,
    ac_key_t *k)
{
    int      rc;
    MDB_val  v;

    if (len > AC_KID_LEN) {
        return AC_ENOTFOUND;
    }

    rc = ac_get(s, txn, s->keys, kid, len, &v);
    if (rc != AC_OK) {
        return rc;
    }

    memcpy(k->kid, kid, len);
    k->kid[len] = '\0';

    return ac_key_decode(v.mv_data, v.mv_size, k);
}


int
ac_key_put(ac_store_t *s, MDB_txn *txn, const ac_key_t *k)
{
    size_t   len;
    uint8_t  buf[sizeof(ac_key_t) + 16];

    len = ac_key_encode(k, buf, sizeof(buf));

    return ac_put(s, txn, s->keys, k->kid, strlen(k->kid), buf, len);
}


int
ac_key_active(ac_store_t *s, MDB_txn *txn, ac_key_t *k)
{
    int          rc, found = 0;
    MDB_val      key, val;
    ac_key_t     cur;
    MDB_cursor  *cur_c;

    rc = mdb_cursor_open(txn, s->keys, &cur_c);
    if (rc != 0) {
        return ac_lmdb_fail(s, rc);
    }

    for (rc = mdb_cursor_get(cur_c, &key, &val, MDB_FIRST);
         rc == 0;
         rc = mdb_cursor_get(cur_c, &key, &val, MDB_NEXT))
    {
        if (key.mv_size > AC_KID_LEN
            || ac_key_decode(val.mv_data, val.mv_size, &cur) != AC_OK
            || !cur.active)
        {
            continue;
        }

        if (!found || cur.created_at >= k->created_at) {
            memcpy(cur.kid, key.mv_data, key.mv_size);
            cur.kid[key.mv_size] = '\0';
            *k = cur;
            found = 1;
        }
    }

    mdb_cursor_close(cur_c);
    sodium_memzero(&cur, sizeof(cur));

    return found ? AC_OK : AC_ENOTFOUND;
}


uint64_t
ac_org_of(ac_store_t *s, MDB_txn *txn, int level, uint64_t id,
    uint64_t *account)
{
    MDB_val  v;

    if (level == AC_LEVEL_WORKSPACE) {
        if (ac_get_id(s, txn, s->workspaces, id, &v) != AC_OK
            || v.mv_size < 9)
        {
            return 0;
        }

        id = ac_u64_get((const uint8_t *) v.mv_data + 1);
        level = AC_LEVEL_ACCOUNT;
    }

    if (account != NULL) {
        *account = id;
    }

    if (level == AC_LEVEL_ACCOUNT) {
        if (ac_get_id(s, txn, s->accounts, id, &v) != AC_OK
            || v.mv_size < 9)
        {
            return 0;
        }

        return ac_u64_get((const uint8_t *) v.mv_data + 1);
    }

    return ac_get_id(s, txn, s->orgs, id, &v) == AC_OK ? id : 0;
}


int
ac_store_backup(ac_store_t *s, const char *path)
{
    int   fd, rc;
    char  tmp[4096];

    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long) getpid());

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd == -1) {
        s->lmdb_rc = errno;
        return AC_ESTORE;
    }

    rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);

    if (rc == 0 && fsync(fd) != 0) {
        rc = errno;
    }

    close(fd);

    if (rc == 0 && rename(tmp, path) != 0) {
        rc = errno;
    }

    if (rc != 0) {
        unlink(tmp);
        s->lmdb_rc = rc;
        return AC_ESTORE;
    }

    return AC_OK;
}
