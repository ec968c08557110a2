/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Fuzz target: the admin API on a real store (no fsync), as an admin of
 * org 1. Input: "METHOD\npath\nquery\nbody". The store is made anew every
 * 20,000 runs so that it does not fill up.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ac_admin.h"
#include "ac_ops.h"
#include "ac_secret.h"


static char        dir[64];
static char        admin[AC_CLIENT_ID_LEN + 1];
static ac_store_t  store;
static long        runs;


static void
fresh_store(void)
{
    char        cmd[128], secret[AC_SECRET_LEN + 1];
    ac_err_t    err;
    ac_ops_t    ops;
    ac_cred_t   c;
    ac_grant_t  g;

    if (dir[0] != '\0') {
        ac_store_close(&store);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        if (system(cmd) != 0) {
            abort();
        }
    }

    strcpy(dir, "/tmp/apicred-fuzz-XXXXXX");
    if (mkdtemp(dir) == NULL
        || ac_store_open(&store, dir, AC_STORE_CREATE | AC_STORE_NOSYNC, 0)
           != AC_OK)
    {
        abort();
    }

    memset(&ops, 0, sizeof(ops));
    ops.store = &store;
    ops.actor = "fuzz";

    memset(&c, 0, sizeof(c));
    memset(&g, 0, sizeof(g));
    strcpy(g.api, "credentials");
    strcpy(g.permission, "admin");
    strcpy(c.name, "admin");
    c.org_id = 1;
    c.grants = &g;
    c.ngrants = 1;

    if (ac_ops_init(&ops, &err) != AC_OK
        || ac_cred_create(&ops, &c, secret, &err) != AC_OK)
    {
        abort();
    }

    strcpy(admin, c.client_id);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char            *buf, *parts[4], *p;
    int              i;
    ac_admin_req_t   req;
    ac_admin_res_t   res;

    if (runs++ % 20000 == 0) {
        fresh_store();
    }

    buf = malloc(size + 1);
    if (buf == NULL) {
        return 0;
    }

    memcpy(buf, data, size);
    buf[size] = '\0';

    p = buf;
    for (i = 0; i < 4; i++) {
        parts[i] = p;
        p = (i < 3) ? strchr(p, '\n') : NULL;
        if (p == NULL) {
            for (i++; i < 4; i++) {
                parts[i] = buf + size;
            }
            break;
        }
        *p++ = '\0';
    }

    memset(&req, 0, sizeof(req));
    req.method = parts[0];
    req.path = parts[1];
    req.path_len = strlen(parts[1]);
    req.query = parts[2];
    req.query_len = strlen(parts[2]);
    req.body = parts[3];
    req.body_len = buf + size - parts[3];
    req.caller = admin;
    req.caller_gen = 0;

    memset(&res, 0, sizeof(res));
    ac_admin_handle(&store, &req, &res);

    if (res.status < 200 || res.status > 599 || res.status == 500) {
        abort();
    }

    free(res.body);
    free(buf);

    return 0;
}
