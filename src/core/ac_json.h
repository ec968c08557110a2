/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * JSON views of model objects, and strict readers of JSON input. The only
 * place that turns the model into JSON and back.
 */

#ifndef AC_JSON_H
#define AC_JSON_H

#include <jansson.h>

#include "ac_model.h"


json_t *ac_cred_json(const ac_cred_t *c);
json_t *ac_grant_json(const ac_grant_t *g);
json_t *ac_grants_json(const ac_grant_t *g, size_t n);
json_t *ac_api_json(const ac_api_t *a);
json_t *ac_node_json(int level, const ac_node_t *n);
json_t *ac_key_json(const ac_key_t *k);

/* Reads a grants array strictly; *out is calloc'ed (ac_grants_free). */
int ac_grants_from_json(json_t *arr, ac_grant_t **out, size_t *n,
    ac_err_t *err);
void ac_grants_free(ac_grant_t *g, size_t n);

/* Fails with AC_EINVAL naming the first member of obj not in allowed. */
int ac_json_only(json_t *obj, const char *const *allowed, const char *prefix,
    ac_err_t *err);

#endif /* AC_JSON_H */
