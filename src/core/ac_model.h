/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * The data model: hierarchy nodes, API catalog entries, credentials and
 * their grants, signing keys; and their compact, versioned binary records.
 */

#ifndef AC_MODEL_H
#define AC_MODEL_H

#include "ac_common.h"


#define AC_RECORD_VERSION    1

/* An org, account or workspace; parent is 0 for an org. */
typedef struct {
    uint64_t    id;
    uint64_t    parent;
    char        name[AC_NAME_MAX + 1];
} ac_node_t;

typedef struct {
    char        slug[AC_SLUG_MAX + 1];
    char        name[AC_NAME_MAX + 1];
    int         level;
    size_t      nperms;
    char        perms[AC_PERMS_MAX][AC_SLUG_MAX + 1];  /* most powerful first */
} ac_api_t;

/* level is the kind of the ids: org (no ids: the whole org), account or
 * workspace. */
typedef struct {
    char        api[AC_SLUG_MAX + 1];
    char        permission[AC_SLUG_MAX + 1];
    int         level;
    size_t      nids;
    uint64_t   *ids;
} ac_grant_t;

typedef struct {
    char        client_id[AC_CLIENT_ID_LEN + 1];
    char        name[AC_NAME_MAX + 1];
    uint64_t    org_id;
    int         active;
    uint64_t    gen;              /* bumped on deactivation: kills tokens */
    int64_t     created_at;
    int64_t     updated_at;
    int64_t     secret_rotated_at;
    uint8_t     hash[AC_HASH_LEN];
    uint8_t     prev_hash[AC_HASH_LEN];
    int64_t     prev_valid_until; /* rotation grace; 0 = none */
    size_t      ngrants;
    ac_grant_t *grants;
} ac_cred_t;

typedef struct {
    char        kid[AC_KID_LEN + 1];
    int         active;
    int64_t     created_at;
    uint8_t     pk[32];
    uint8_t     sk[64];
} ac_key_t;

/* A grant read in place from a record: no copies, no allocations. */
typedef struct {
    const char    *api;
    size_t         api_len;
    const char    *permission;
    size_t         permission_len;
    int            level;
    size_t         nids;
    const uint8_t *ids;           /* nids big-endian u64 */
} ac_grant_view_t;

/* The hot-path fields of a credential record, read in place. */
typedef struct {
    int            active;
    uint64_t       org_id;
    uint64_t       gen;
    const uint8_t *hash;
    const uint8_t *prev_hash;
    int64_t        prev_valid_until;
    const char    *name;
    size_t         name_len;
    size_t         ngrants;
    const uint8_t *grants;
    const uint8_t *end;
} ac_cred_view_t;

/* Record codecs. Encoders return the length, or 0 when buf is too small. */
size_t ac_cred_encode(const ac_cred_t *c, uint8_t *buf, size_t size);
int ac_cred_view(const uint8_t *p, size_t len, ac_cred_view_t *v);
/* Walks v's grants; *pos starts at v->grants. Returns 0 at the end. */
int ac_grant_next(const ac_cred_view_t *v, const uint8_t **pos,
    ac_grant_view_t *g);
uint64_t ac_grant_id(const ac_grant_view_t *g, size_t i);
int ac_cred_decode(const uint8_t *p, size_t len, ac_cred_t *c);
void ac_cred_free(ac_cred_t *c);
size_t ac_cred_record_size(const ac_cred_t *c);

size_t ac_api_encode(const ac_api_t *a, uint8_t *buf, size_t size);
int ac_api_decode(const uint8_t *p, size_t len, ac_api_t *a);
/* Position of perm in the API's order, or -1. */
int ac_api_perm_index(const ac_api_t *a, const char *perm, size_t len);

size_t ac_node_encode(const ac_node_t *n, uint8_t *buf, size_t size);
int ac_node_decode(uint64_t id, const uint8_t *p, size_t len, ac_node_t *n);

size_t ac_key_encode(const ac_key_t *k, uint8_t *buf, size_t size);
int ac_key_decode(const uint8_t *p, size_t len, ac_key_t *k);

void ac_u64_put(uint8_t *p, uint64_t v);
uint64_t ac_u64_get(const uint8_t *p);

#endif /* AC_MODEL_H */
