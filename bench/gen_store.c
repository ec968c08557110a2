/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Benchmark helper: adds N credentials to an initialised store, in one
 * write transaction per batch of 10,000 (a durable commit each would take
 * minutes for a million). Each holds profile:read_only on account 1.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ac_secret.h"
#include "ac_store.h"


#define BATCH  10000


int
main(int argc, char **argv)
{
    long         n, i;
    char         secret[AC_SECRET_LEN + 1];
    uint64_t     account = 1;
    MDB_txn     *txn = NULL;
    ac_cred_t    c;
    ac_grant_t   g;
    ac_store_t   s;

    if (argc != 3 || (n = atol(argv[2])) <= 0) {
        fprintf(stderr, "usage: gen_store DIR N\n");
        return 1;
    }

    if (ac_crypto_init() != AC_OK
        || ac_store_open(&s, argv[1], 0, (size_t) 4 << 30) != AC_OK)
    {
        fprintf(stderr, "gen_store: cannot open %s\n", argv[1]);
        return 3;
    }

    memset(&c, 0, sizeof(c));
    memset(&g, 0, sizeof(g));
    strcpy(g.api, "profile");
    strcpy(g.permission, "read_only");
    g.level = AC_LEVEL_ACCOUNT;
    g.nids = 1;
    g.ids = &account;
    c.grants = &g;
    c.ngrants = 1;
    c.org_id = 1;
    c.active = 1;
    c.created_at = c.updated_at = c.secret_rotated_at = time(NULL);

    for (i = 0; i < n; i++) {
        if (i % BATCH == 0 && ac_txn_begin(&s, 1, &txn) != AC_OK) {
            return 3;
        }

        ac_client_id_generate(c.client_id);
        snprintf(c.name, sizeof(c.name), "bulk-%ld", i);
        ac_secret_generate(secret);
        ac_secret_hash(s.hash_key, secret, AC_SECRET_LEN, c.hash);

        if (ac_cred_put(&s, txn, &c) != AC_OK) {
            fprintf(stderr, "gen_store: %s\n", ac_store_strerror(&s));
            return 3;
        }

        if ((i + 1) % BATCH == 0 || i + 1 == n) {
            if (ac_txn_commit(&s, txn) != AC_OK) {
                fprintf(stderr, "gen_store: %s\n", ac_store_strerror(&s));
                return 3;
            }
        }
    }

    ac_store_close(&s);
    printf("added %ld credentials\n", n);

    return 0;
}
