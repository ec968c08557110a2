/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * A consistency check of the whole store: every record decodes, every
 * grant names an existing API, permission and ids of its org, every
 * account and workspace has its parent, the audit trail parses in order.
 */

#ifndef AC_FSCK_H
#define AC_FSCK_H

#include "ac_store.h"


typedef void (*ac_report_pt)(void *data, const char *problem);

typedef struct {
    size_t  creds;
    size_t  apis;
    size_t  nodes;
    size_t  keys;
    size_t  audit;
    size_t  problems;
} ac_fsck_t;

/* Reads everything in one read txn; AC_ESTORE when the store fails. */
int ac_store_fsck(ac_store_t *s, ac_report_pt report, void *data,
    ac_fsck_t *out);

#endif /* AC_FSCK_H */
