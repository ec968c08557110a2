/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * The admin API: routing, the caller's role and org, JSON in and out.
 * Pure C; the nginx glue hands over a parsed request (with the caller's
 * verified token claims) and sends back what this produces. Runs in a
 * thread of its own: it only uses its own transactions.
 */

#ifndef AC_ADMIN_H
#define AC_ADMIN_H

#include "ac_store.h"


#define AC_ADMIN_BODY_MAX    (64 * 1024)

typedef struct {
    const char   *method;
    const char   *path;           /* below the API's prefix */
    size_t        path_len;
    const char   *query;
    size_t        query_len;
    const char   *body;           /* NULL: none */
    size_t        body_len;
    const char   *caller;         /* the token's client_id */
    uint64_t      caller_gen;
} ac_admin_req_t;

typedef struct {
    int           status;
    char         *body;           /* JSON, malloc'ed; NULL for 204 */
    const char   *allow;          /* the Allow header of a 405 */
} ac_admin_res_t;

void ac_admin_handle(ac_store_t *s, const ac_admin_req_t *req,
    ac_admin_res_t *res);

#endif /* AC_ADMIN_H */
