/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * What the admin API's files share: the request being handled, the route
 * table's shape, the answer helpers and the handlers. Not for callers.
 */

#ifndef AC_ADMIN_INTERNAL_H
#define AC_ADMIN_INTERNAL_H

#include <jansson.h>

#include "ac_admin.h"
#include "ac_ops.h"


enum {
    AC_ROLE_ADMIN = 0,
    AC_ROLE_COMPLIANCE,
    AC_ROLE_READ
};

typedef struct ac_admin_s  ac_admin_t;
typedef struct ac_route_s  ac_route_t;

typedef void (*ac_admin_pt)(ac_admin_t *a);

/* One request being handled. */
struct ac_admin_s {
    ac_store_t            *store;
    const ac_route_t      *route;
    const ac_admin_req_t  *req;
    ac_admin_res_t        *res;
    ac_cred_t              caller;
    int                    role;
    json_t                *body;
    char                   id[AC_SLUG_MAX + 1];   /* the path's id, if any */
    ac_ops_t               ops;
    ac_err_t               err;         /* what the request's one op says */
};

struct ac_route_s {
    const char   *resource;
    int           has_id;
    const char   *action;
    const char   *allow;
    ac_admin_pt   get;
    ac_admin_pt   post;
    ac_admin_pt   patch;
    ac_admin_pt   del;
    int           write_role;      /* the least role that may change it */
    int           level;           /* of orgs, accounts, workspaces */
};



/*
 * Answers. ac_admin_member_*(): 1 read, 0 absent, -1 invalid (answered);
 * ac_admin_page_args() and ac_admin_need_body(): 0 when answered.
 */
void ac_admin_respond(ac_admin_t *a, int status, json_t *body);
void ac_admin_error(ac_admin_t *a, int status, const char *error,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ac_admin_fail(ac_admin_t *a, int rc, const ac_err_t *err);
int ac_admin_arg(ac_admin_t *a, const char *name, char *buf, size_t size);
int ac_admin_page_args(ac_admin_t *a, size_t *limit, char *after, size_t size,
    const char **after_p);
void ac_admin_page(ac_admin_t *a, json_t *page);
int ac_admin_need_body(ac_admin_t *a, const char *const *fields);
int ac_admin_member_str(ac_admin_t *a, const char *name, char *buf,
    size_t max);
int ac_admin_member_id(ac_admin_t *a, const char *name, uint64_t *id);

/* Handlers. */
void ac_admin_creds_list(ac_admin_t *a);
void ac_admin_creds_create(ac_admin_t *a);
void ac_admin_cred_view_one(ac_admin_t *a);
void ac_admin_cred_patch(ac_admin_t *a);
void ac_admin_cred_activate(ac_admin_t *a);
void ac_admin_cred_deactivate(ac_admin_t *a);
void ac_admin_cred_rotate_one(ac_admin_t *a);
void ac_admin_cred_remove(ac_admin_t *a);
void ac_admin_apis_list(ac_admin_t *a);
void ac_admin_apis_create(ac_admin_t *a);
void ac_admin_api_view_one(ac_admin_t *a);
void ac_admin_api_patch(ac_admin_t *a);
void ac_admin_api_remove(ac_admin_t *a);
void ac_admin_nodes_list(ac_admin_t *a);
void ac_admin_nodes_create(ac_admin_t *a);
void ac_admin_node_view_one(ac_admin_t *a);
void ac_admin_audit_list(ac_admin_t *a);

#endif /* AC_ADMIN_INTERNAL_H */
