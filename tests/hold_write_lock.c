/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Test helper: holds the store's LMDB write lock for N seconds, as a
 * long CLI write or another process would. Prints "locked" once it has it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <lmdb.h>


int
main(int argc, char **argv)
{
    MDB_env  *env;
    MDB_txn  *txn;

    if (argc != 3) {
        fprintf(stderr, "usage: hold_write_lock DIR SECONDS\n");
        return 1;
    }

    if (mdb_env_create(&env) != 0
        || mdb_env_set_maxdbs(env, 16) != 0
        || mdb_env_set_mapsize(env, (size_t) 1 << 30) != 0
        || mdb_env_open(env, argv[1], MDB_NOTLS, 0600) != 0
        || mdb_txn_begin(env, NULL, 0, &txn) != 0)
    {
        fprintf(stderr, "hold_write_lock: cannot open %s\n", argv[1]);
        return 1;
    }

    printf("locked\n");
    fflush(stdout);
    sleep((unsigned) atoi(argv[2]));
    mdb_txn_abort(txn);
    mdb_env_close(env);

    return 0;
}
