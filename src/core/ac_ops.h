/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Every change to the store: one write transaction that validates, writes
 * and appends its audit record. The admin API and the CLI both call these,
 * so no rule is written twice.
 */

#ifndef AC_OPS_H
#define AC_OPS_H

#include <jansson.h>

#include "ac_store.h"


/*
 * Who acts: a client_id for the admin API, "cli" for apicredctl. org_id
 * confines the actor to its org (0: any, the CLI); grantor, when set, is
 * the credential whose grants bound what may be granted (no escalation).
 */
typedef struct {
    ac_store_t       *store;
    const char       *actor;
    uint64_t          org_id;
    const ac_cred_t  *grantor;
} ac_ops_t;

/* Seeds the catalog, org/account/workspace 1 and a signing key. */
int ac_ops_init(ac_ops_t *ops, ac_err_t *err);

/* Checks grants against the catalog and the org's hierarchy. */
int ac_grants_validate(ac_store_t *s, MDB_txn *txn, uint64_t org_id,
    const ac_grant_t *grants, size_t n, ac_err_t *err);

/* c carries name, org_id, grants; the rest is filled in. */
int ac_cred_create(ac_ops_t *ops, ac_cred_t *c, char *secret, ac_err_t *err);
/* name and grants may be NULL (kept); out receives the new record. */
int ac_cred_update(ac_ops_t *ops, const char *client_id, const char *name,
    const ac_grant_t *grants, size_t ngrants, ac_cred_t *out, ac_err_t *err);
int ac_cred_set_active(ac_ops_t *ops, const char *client_id, int active,
    ac_cred_t *out, ac_err_t *err);
int ac_cred_rotate(ac_ops_t *ops, const char *client_id, int64_t grace,
    char *secret, ac_cred_t *out, ac_err_t *err);
int ac_cred_delete(ac_ops_t *ops, const char *client_id, ac_err_t *err);

/* n->id 0 picks the next free id; level says which table. */
int ac_node_add(ac_ops_t *ops, int level, ac_node_t *n, ac_err_t *err);
int ac_api_add(ac_ops_t *ops, const ac_api_t *a, ac_err_t *err);
/* name NULL keeps it; perms NULL keeps them. Permissions in use by a grant
 * cannot be removed (AC_ECONFLICT). */
int ac_api_update(ac_ops_t *ops, const char *slug, const char *name,
    char (*perms)[AC_SLUG_MAX + 1], size_t nperms, ac_api_t *out,
    ac_err_t *err);
/* AC_ECONFLICT while a grant uses the API, and always for "credentials". */
int ac_api_delete(ac_ops_t *ops, const char *slug, ac_err_t *err);

/* A new active signing key; the others are retired: they still verify
 * the tokens they signed, until those expire or the key is deleted. */
int ac_key_rotate(ac_ops_t *ops, ac_key_t *out, ac_err_t *err);
/* Deletes a retired key: every token it signed stops working at once. */
int ac_key_delete(ac_ops_t *ops, const char *kid, ac_err_t *err);

/* AC_EFORBIDDEN unless grantor holds every grant: the same API, a permission
 * at least as powerful, a scope that contains the requested one. */
int ac_grants_within(ac_store_t *s, MDB_txn *txn, const ac_cred_t *grantor,
    const ac_grant_t *grants, size_t n, ac_err_t *err);

#endif /* AC_OPS_H */
