/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * The access decision for a verified token: the credential's current
 * record, its grant for the API, the permission and the scope. Reads the
 * store in place (no copies, no allocations), and a small per-process cache
 * of verified tokens so that Ed25519 runs once per token.
 */

#ifndef AC_CHECK_H
#define AC_CHECK_H

#include "ac_store.h"
#include "ac_token.h"


typedef struct {
    const void      *where;          /* identifies the check (a location) */
    ac_str_t         api;
    const ac_str_t  *perms;          /* accepted permissions */
    size_t           nperms;         /* 0: any */
    int              scoped;
    ac_str_t         target;         /* the scope's id, as sent */
} ac_check_t;

/* Pointers into the store: valid until ac_store_read_end(). */
typedef struct {
    uint64_t         org_id;
    ac_str_t         name;
    ac_str_t         permission;
} ac_check_result_t;

/*
 * Within ac_store_read_begin() .. ac_store_read_end(): AC_OK, AC_EDENIED
 * (the credential is gone, inactive or the token predates its last
 * deactivation), AC_EFORBIDDEN (no grant covers the request) or AC_ESTORE.
 */
int ac_check(ac_store_t *s, const ac_claims_t *claims, const ac_check_t *chk,
    ac_check_result_t *res, const char **reason);

#define AC_TARGET_MAX        23

/*
 * An allowing decision, copied out of the store, and what it was for:
 * the check, the target and the store's last committed transaction.
 */
typedef struct {
    uint64_t         txnid;          /* 0: none */
    const void      *where;
    char             target[AC_TARGET_MAX + 1];
    size_t           target_len;
    char             org_id[24];
    size_t           org_id_len;
    char             name[AC_NAME_MAX];
    size_t           name_len;
    char             permission[AC_SLUG_MAX];
    size_t           permission_len;
} ac_decision_t;

/*
 * The access decision (ac_check()'s answers), taking its own read txn.
 * When d already holds an allowing decision for the same check and target,
 * and nothing was committed to the store since, it stands without reading
 * the store: any commit at all makes the next request read it again.
 */
int ac_decide(ac_store_t *s, const ac_claims_t *claims, const ac_check_t *chk,
    ac_decision_t *d, const char **reason);

/*
 * Authenticates client_id + secret for the token endpoint, in the store's
 * read txn: AC_OK with the token generation, AC_EDENIED or AC_ESTORE.
 */
int ac_client_authenticate(ac_store_t *s, const char *client_id, size_t idlen,
    const char *secret, size_t slen, int64_t now, uint64_t *gen);

/* Public key lookup for ac_token_verify(), in the store's read txn. */
int ac_store_key_lookup(void *store, const char *kid, size_t len,
    uint8_t pk[32]);


#define AC_CACHE_TOKEN_MAX   1024

typedef struct {
    uint64_t       iss_hash;
    size_t         token_len;
    ac_claims_t    claims;
    ac_decision_t  decision;
    char           token[AC_CACHE_TOKEN_MAX];
} ac_cache_entry_t;

typedef struct {
    ac_cache_entry_t  *slots;
    size_t             mask;
} ac_cache_t;

/* n: number of slots, rounded up to a power of two; 0 disables. */
int ac_cache_init(ac_cache_t *c, size_t n);
void ac_cache_free(ac_cache_t *c);
uint64_t ac_cache_iss_hash(const char *iss, size_t len);
/* The entry of an unexpired verified token, or NULL. */
ac_cache_entry_t *ac_cache_get(ac_cache_t *c, const char *tok, size_t len,
    uint64_t iss_hash, int64_t now, int64_t leeway);
/* Remembers a verified token; its entry, or NULL when not cached. */
ac_cache_entry_t *ac_cache_put(ac_cache_t *c, const char *tok, size_t len,
    uint64_t iss_hash, const ac_claims_t *claims);

#endif /* AC_CHECK_H */
