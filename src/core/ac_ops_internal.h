/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * What the store operations (ac_ops.c, ac_creds.c) share. Not for callers.
 */

#ifndef AC_OPS_INTERNAL_H
#define AC_OPS_INTERNAL_H

#include "ac_ops.h"


int64_t ac_ops_now(void);
/* Appends the audit record of a change; takes change (may be NULL). */
int ac_ops_audit(ac_ops_t *ops, MDB_txn *txn, uint64_t org, const char *action,
    const char *target, json_t *change);
/* Commits when rc is AC_OK, aborts otherwise; describes store errors. */
int ac_ops_finish(ac_store_t *s, MDB_txn *txn, int rc, ac_err_t *err);
int ac_ops_name_valid(const char *name, ac_err_t *err);

/*
 * 1 when a credential holds a grant on api (with permission perm, unless
 * NULL); with org_id set, only active credentials of that org other than
 * except count. 0 when none does, -1 when the store cannot be read.
 */
int ac_ops_grant_held(ac_store_t *s, MDB_txn *txn, const char *api,
    const char *perm, uint64_t org_id, const char *except);

#endif /* AC_OPS_INTERNAL_H */
