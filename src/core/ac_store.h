/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * The LMDB store: one environment, named databases, typed gets and puts.
 * "Open the store" lives here and nowhere else.
 */

#ifndef AC_STORE_H
#define AC_STORE_H

#include <lmdb.h>

#include "ac_model.h"


#define AC_SCHEMA_VERSION    1
#define AC_MAP_SIZE_DEFAULT  ((size_t) 1 << 30)

#define AC_STORE_RDONLY      0x01
#define AC_STORE_CREATE      0x02
#define AC_STORE_NOSYNC      0x04    /* no fsync: fuzzing and benchmarks */

typedef struct {
    MDB_env    *env;
    MDB_dbi     meta;
    MDB_dbi     keys;
    MDB_dbi     orgs;
    MDB_dbi     accounts;
    MDB_dbi     workspaces;
    MDB_dbi     apis;
    MDB_dbi     creds;
    MDB_dbi     audit;
    MDB_txn    *rtxn;          /* long-lived read txn, reset between uses */
    uint8_t     hash_key[AC_HASH_LEN];
    int         lmdb_rc;       /* the last LMDB error, for messages */
} ac_store_t;

/*
 * Opens (or with AC_STORE_CREATE creates) the store in dir.
 * Returns AC_OK, AC_ENOTFOUND when there is no store, AC_ESTORE otherwise;
 * s->lmdb_rc holds the LMDB error code.
 */
int ac_store_open(ac_store_t *s, const char *dir, int flags, size_t map_size);
void ac_store_close(ac_store_t *s);
const char *ac_store_strerror(const ac_store_t *s);

/* Begin a write (or read) transaction. */
int ac_txn_begin(ac_store_t *s, int write, MDB_txn **txn);
/* Commits; AC_EFULL when the map is full. Aborts on failure. */
int ac_txn_commit(ac_store_t *s, MDB_txn *txn);

/* The reusable read transaction: renew before a lookup, reset after. */
int ac_store_read_begin(ac_store_t *s);
void ac_store_read_end(ac_store_t *s);

/* Raw gets: AC_OK, AC_ENOTFOUND or AC_ESTORE; val points into the map. */
int ac_get(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, const void *key,
    size_t klen, MDB_val *val);
int ac_get_id(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, uint64_t id,
    MDB_val *val);
int ac_put(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, const void *key,
    size_t klen, const void *data, size_t len);
int ac_del(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, const void *key,
    size_t klen);

/* Typed records. */
int ac_node_get(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, uint64_t id,
    ac_node_t *n);
int ac_node_put(ac_store_t *s, MDB_txn *txn, MDB_dbi dbi, const ac_node_t *n);
int ac_api_get(ac_store_t *s, MDB_txn *txn, const char *slug, size_t len,
    ac_api_t *a);
int ac_api_put(ac_store_t *s, MDB_txn *txn, const ac_api_t *a);
int ac_cred_get(ac_store_t *s, MDB_txn *txn, const char *client_id,
    ac_cred_t *c);
int ac_cred_put(ac_store_t *s, MDB_txn *txn, const ac_cred_t *c);
int ac_key_get(ac_store_t *s, MDB_txn *txn, const char *kid, size_t len,
    ac_key_t *k);
int ac_key_put(ac_store_t *s, MDB_txn *txn, const ac_key_t *k);
/* The newest active signing key. */
int ac_key_active(ac_store_t *s, MDB_txn *txn, ac_key_t *k);

/* Org id of an account or of a workspace's account: 0 when unknown. */
uint64_t ac_org_of(ac_store_t *s, MDB_txn *txn, int level, uint64_t id,
    uint64_t *account);

/* Compacted copy to path (written to a temp file, then renamed). */
int ac_store_backup(ac_store_t *s, const char *path);

#endif /* AC_STORE_H */
