/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Read-only listings, as JSON pages {"items": [...], "next": cursor|null}.
 * The cursor is the key of the last item: stable under inserts and deletes.
 */

#ifndef AC_QUERY_H
#define AC_QUERY_H

#include <jansson.h>

#include "ac_store.h"


#define AC_LIMIT_DEFAULT     100
#define AC_LIMIT_MAX         1000

typedef struct {
    uint64_t     org_id;       /* 0: any */
    const char  *api;          /* NULL: any */
    int          active;       /* -1: any */
} ac_cred_filter_t;

json_t *ac_list_creds(ac_store_t *s, MDB_txn *txn, const ac_cred_filter_t *f,
    const char *after, size_t limit);
/* parent 0: any; for accounts an org id, for workspaces an account id.
 * org_id 0: any org. */
json_t *ac_list_nodes(ac_store_t *s, MDB_txn *txn, int level, uint64_t parent,
    uint64_t org_id, const char *after, size_t limit);
json_t *ac_list_apis(ac_store_t *s, MDB_txn *txn, const char *after,
    size_t limit);
/* Oldest first; org_id 0: every record. */
json_t *ac_list_audit(ac_store_t *s, MDB_txn *txn, uint64_t org_id,
    const char *after, size_t limit);
json_t *ac_list_keys(ac_store_t *s, MDB_txn *txn);

#endif /* AC_QUERY_H */
