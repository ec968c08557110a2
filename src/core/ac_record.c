/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Binary records: a version byte, then fixed-width big-endian integers and
 * length-prefixed strings. Readers are bounded by the record length.
 */

#include <stdlib.h>
#include <string.h>

#include "ac_model.h"


typedef struct {
    uint8_t        *p;
    uint8_t        *end;
    int             overflow;
} ac_writer_t;

typedef struct {
    const uint8_t  *p;
    const uint8_t  *end;
    int             bad;
} ac_reader_t;


void
ac_u64_put(uint8_t *p, uint64_t v)
{
    int  i;

    for (i = 7; i >= 0; i--) {
        p[i] = (uint8_t) v;
        v >>= 8;
    }
}


uint64_t
ac_u64_get(const uint8_t *p)
{
    int       i;
    uint64_t  v = 0;

    for (i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }

    return v;
}


static void
ac_w_bytes(ac_writer_t *w, const void *data, size_t len)
{
    if (w->overflow || (size_t) (w->end - w->p) < len) {
        w->overflow = 1;
        return;
    }

    memcpy(w->p, data, len);
    w->p += len;
}


static void
ac_w_u8(ac_writer_t *w, unsigned v)
{
    uint8_t  b = (uint8_t) v;

    ac_w_bytes(w, &b, 1);
}


static void
ac_w_u16(ac_writer_t *w, unsigned v)
{
    uint8_t  b[2] = { (uint8_t) (v >> 8), (uint8_t) v };

    ac_w_bytes(w, b, 2);
}


static void
ac_w_u64(ac_writer_t *w, uint64_t v)
{
    uint8_t  b[8];

    ac_u64_put(b, v);
    ac_w_bytes(w, b, 8);
}


static void
ac_w_str8(ac_writer_t *w, const char *s)
{
    size_t  len = strlen(s);

    ac_w_u8(w, (unsigned) len);
    ac_w_bytes(w, s, len);
}


static void
ac_w_str16(ac_writer_t *w, const char *s)
{
    size_t  len = strlen(s);

    ac_w_u16(w, (unsigned) len);
    ac_w_bytes(w, s, len);
}


static const uint8_t *
ac_r_bytes(ac_reader_t *r, size_t len)
{
    const uint8_t  *p;

    if (r->bad || (size_t) (r->end - r->p) < len) {
        r->bad = 1;
        return NULL;
    }

    p = r->p;
    r->p += len;

    return p;
}


static unsigned
ac_r_u8(ac_reader_t *r)
{
    const uint8_t  *p = ac_r_bytes(r, 1);

    return p ? p[0] : 0;
}


static unsigned
ac_r_u16(ac_reader_t *r)
{
    const uint8_t  *p = ac_r_bytes(r, 2);

    return p ? (unsigned) (p[0] << 8 | p[1]) : 0;
}


static uint64_t
ac_r_u64(ac_reader_t *r)
{
    const uint8_t  *p = ac_r_bytes(r, 8);

    return p ? ac_u64_get(p) : 0;
}


/* Reads a length-prefixed string into a NUL-terminated buffer. */
static void
ac_r_str(ac_reader_t *r, size_t len, char *dst, size_t max)
{
    const uint8_t  *p;

    if (len > max) {
        r->bad = 1;
        return;
    }

    p = ac_r_bytes(r, len);
    if (p != NULL) {
        memcpy(dst, p, len);
        dst[len] = '\0';
    }
}


size_t
ac_cred_record_size(const ac_cred_t *c)
{
    size_t  i, n;

    n = 2 + 8 * 6 + 2 * AC_HASH_LEN + 2 + strlen(c->name) + 2;

    for (i = 0; i < c->ngrants; i++) {
        n += 2 + strlen(c->grants[i].api) + strlen(c->grants[i].permission)
             + 1 + 2 + 8 * c->grants[i].nids;
    }

    return n;
}


size_t
ac_cred_encode(const ac_cred_t *c, uint8_t *buf, size_t size)
{
    size_t       i, j;
    ac_writer_t  w = { buf, buf + size, 0 };

    ac_w_u8(&w, AC_RECORD_VERSION);
    ac_w_u8(&w, c->active ? 1 : 0);
    ac_w_u64(&w, c->org_id);
    ac_w_u64(&w, c->gen);
    ac_w_u64(&w, (uint64_t) c->created_at);
    ac_w_u64(&w, (uint64_t) c->updated_at);
    ac_w_u64(&w, (uint64_t) c->secret_rotated_at);
    ac_w_bytes(&w, c->hash, AC_HASH_LEN);
    ac_w_bytes(&w, c->prev_hash, AC_HASH_LEN);
    ac_w_u64(&w, (uint64_t) c->prev_valid_until);
    ac_w_str16(&w, c->name);
    ac_w_u16(&w, (unsigned) c->ngrants);

    for (i = 0; i < c->ngrants; i++) {
        ac_w_str8(&w, c->grants[i].api);
        ac_w_str8(&w, c->grants[i].permission);
        ac_w_u8(&w, (unsigned) c->grants[i].level);
        ac_w_u16(&w, (unsigned) c->grants[i].nids);

        for (j = 0; j < c->grants[i].nids; j++) {
            ac_w_u64(&w, c->grants[i].ids[j]);
        }
    }

    return w.overflow ? 0 : (size_t) (w.p - buf);
}


int
ac_cred_view(const uint8_t *p, size_t len, ac_cred_view_t *v)
{
    ac_reader_t  r = { p, p + len, 0 };

    if (ac_r_u8(&r) != AC_RECORD_VERSION) {
        return AC_ESTORE;
    }

    v->active = ac_r_u8(&r);
    v->org_id = ac_r_u64(&r);
    v->gen = ac_r_u64(&r);
    ac_r_bytes(&r, 8 * 3);
    v->hash = ac_r_bytes(&r, AC_HASH_LEN);
    v->prev_hash = ac_r_bytes(&r, AC_HASH_LEN);
    v->prev_valid_until = (int64_t) ac_r_u64(&r);
    v->name_len = ac_r_u16(&r);
    v->name = (const char *) ac_r_bytes(&r, v->name_len);
    v->ngrants = ac_r_u16(&r);
    v->grants = r.p;
    v->end = r.end;

    return r.bad ? AC_ESTORE : AC_OK;
}


int
ac_grant_next(const ac_cred_view_t *v, const uint8_t **pos, ac_grant_view_t *g)
{
    ac_reader_t  r = { *pos, v->end, 0 };

    if (r.p >= r.end) {
        return 0;
    }

    g->api_len = ac_r_u8(&r);
    g->api = (const char *) ac_r_bytes(&r, g->api_len);
    g->permission_len = ac_r_u8(&r);
    g->permission = (const char *) ac_r_bytes(&r, g->permission_len);
    g->level = (int) ac_r_u8(&r);
    g->nids = ac_r_u16(&r);
    g->ids = ac_r_bytes(&r, 8 * g->nids);

    if (r.bad || g->level > AC_LEVEL_WORKSPACE) {
        return 0;
    }

    *pos = r.p;

    return 1;
}


uint64_t
ac_grant_id(const ac_grant_view_t *g, size_t i)
{
    return ac_u64_get(g->ids + 8 * i);
}


int
ac_cred_decode(const uint8_t *p, size_t len, ac_cred_t *c)
{
    size_t           i, j;
    ac_reader_t      r = { p, p + len, 0 };
    ac_grant_t      *gr;

    const uint8_t   *pos;
    ac_cred_view_t   v;
    ac_grant_view_t  g;

    memset(c, 0, sizeof(ac_cred_t));

    if (ac_cred_view(p, len, &v) != AC_OK || v.name_len > AC_NAME_MAX
        || v.ngrants > AC_GRANTS_MAX)
    {
        return AC_ESTORE;
    }

    ac_r_bytes(&r, 2 + 8 * 2);
    c->active = v.active;
    c->org_id = v.org_id;
    c->gen = v.gen;
    c->created_at = (int64_t) ac_r_u64(&r);
    c->updated_at = (int64_t) ac_r_u64(&r);
    c->secret_rotated_at = (int64_t) ac_r_u64(&r);
    memcpy(c->hash, v.hash, AC_HASH_LEN);
    memcpy(c->prev_hash, v.prev_hash, AC_HASH_LEN);
    c->prev_valid_until = v.prev_valid_until;
    memcpy(c->name, v.name, v.name_len);
    c->name[v.name_len] = '\0';

    c->grants = calloc(v.ngrants ? v.ngrants : 1, sizeof(ac_grant_t));
    if (c->grants == NULL) {
        return AC_ENOMEM;
    }

    pos = v.grants;

    for (i = 0; i < v.ngrants; i++) {
        if (!ac_grant_next(&v, &pos, &g) || g.api_len > AC_SLUG_MAX
            || g.permission_len > AC_SLUG_MAX || g.nids > AC_IDS_MAX)
        {
            ac_cred_free(c);
            return AC_ESTORE;
        }

        gr = &c->grants[i];
        c->ngrants++;
        memcpy(gr->api, g.api, g.api_len);
        memcpy(gr->permission, g.permission, g.permission_len);
        gr->level = g.level;
        gr->nids = g.nids;
        gr->ids = malloc(8 * (g.nids ? g.nids : 1));
        if (gr->ids == NULL) {
            ac_cred_free(c);
            return AC_ENOMEM;
        }

        for (j = 0; j < g.nids; j++) {
            gr->ids[j] = ac_grant_id(&g, j);
        }
    }

    return pos == v.end ? AC_OK : (ac_cred_free(c), AC_ESTORE);
}


void
ac_cred_free(ac_cred_t *c)
{
    size_t  i;

    for (i = 0; i < c->ngrants; i++) {
        free(c->grants[i].ids);
    }

    free(c->grants);
    c->grants = NULL;
    c->ngrants = 0;
}


size_t
ac_api_encode(const ac_api_t *a, uint8_t *buf, size_t size)
{
    size_t       i;
    ac_writer_t  w = { buf, buf + size, 0 };

    ac_w_u8(&w, AC_RECORD_VERSION);
    ac_w_u8(&w, (unsigned) a->level);
    ac_w_str16(&w, a->name);
    ac_w_u8(&w, (unsigned) a->nperms);

    for (i = 0; i < a->nperms; i++) {
        ac_w_str8(&w, a->perms[i]);
    }

    return w.overflow ? 0 : (size_t) (w.p - buf);
}


int
ac_api_decode(const uint8_t *p, size_t len, ac_api_t *a)
{
    size_t       i;
    ac_reader_t  r = { p, p + len, 0 };

    if (ac_r_u8(&r) != AC_RECORD_VERSION) {
        return AC_ESTORE;
    }

    a->level = (int) ac_r_u8(&r);
    ac_r_str(&r, ac_r_u16(&r), a->name, AC_NAME_MAX);
    a->nperms = ac_r_u8(&r);

    if (a->nperms > AC_PERMS_MAX || a->level > AC_LEVEL_WORKSPACE) {
        return AC_ESTORE;
    }

    for (i = 0; i < a->nperms; i++) {
        ac_r_str(&r, ac_r_u8(&r), a->perms[i], AC_SLUG_MAX);
    }

    return r.bad || r.p != r.end ? AC_ESTORE : AC_OK;
}


int
ac_api_perm_index(const ac_api_t *a, const char *perm, size_t len)
{
    size_t  i;

    for (i = 0; i < a->nperms; i++) {
        if (strlen(a->perms[i]) == len && memcmp(a->perms[i], perm, len) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


size_t
ac_node_encode(const ac_node_t *n, uint8_t *buf, size_t size)
{
    ac_writer_t  w = { buf, buf + size, 0 };

    ac_w_u8(&w, AC_RECORD_VERSION);
    ac_w_u64(&w, n->parent);
    ac_w_str16(&w, n->name);

    return w.overflow ? 0 : (size_t) (w.p - buf);
}


int
ac_node_decode(uint64_t id, const uint8_t *p, size_t len, ac_node_t *n)
{
    ac_reader_t  r = { p, p + len, 0 };

    if (ac_r_u8(&r) != AC_RECORD_VERSION) {
        return AC_ESTORE;
    }

    n->id = id;
    n->parent = ac_r_u64(&r);
    ac_r_str(&r, ac_r_u16(&r), n->name, AC_NAME_MAX);

    return r.bad || r.p != r.end ? AC_ESTORE : AC_OK;
}


size_t
ac_key_encode(const ac_key_t *k, uint8_t *buf, size_t size)
{
    ac_writer_t  w = { buf, buf + size, 0 };

    ac_w_u8(&w, AC_RECORD_VERSION);
    ac_w_u8(&w, k->active ? 1 : 0);
    ac_w_u64(&w, (uint64_t) k->created_at);
    ac_w_bytes(&w, k->pk, sizeof(k->pk));
    ac_w_bytes(&w, k->sk, sizeof(k->sk));

    return w.overflow ? 0 : (size_t) (w.p - buf);
}


int
ac_key_decode(const uint8_t *p, size_t len, ac_key_t *k)
{
    const uint8_t  *b;
    ac_reader_t     r = { p, p + len, 0 };

    if (ac_r_u8(&r) != AC_RECORD_VERSION) {
        return AC_ESTORE;
    }

    k->active = ac_r_u8(&r);
    k->created_at = (int64_t) ac_r_u64(&r);

    b = ac_r_bytes(&r, sizeof(k->pk));
    if (b != NULL) {
        memcpy(k->pk, b, sizeof(k->pk));
    }

    b = ac_r_bytes(&r, sizeof(k->sk));
    if (b != NULL) {
        memcpy(k->sk, b, sizeof(k->sk));
    }

    return r.bad || r.p != r.end ? AC_ESTORE : AC_OK;
}
