/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Shared definitions of the pure C core: error codes, limits, levels.
 * Nothing here (or anywhere under core/) knows nginx.
 */

#ifndef AC_COMMON_H
#define AC_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>


/* Every core function returns AC_OK or one of these codes. */
enum {
    AC_OK = 0,
    AC_EINVAL,       /* well-formed but invalid input (422 / exit 1) */
    AC_EMALFORMED,   /* input that does not parse (400 / exit 1) */
    AC_ENOTFOUND,    /* unknown id (404 / exit 2) */
    AC_ECONFLICT,    /* exists already, or last admin (409) */
    AC_EFORBIDDEN,   /* role or escalation (403) */
    AC_EFULL,        /* LMDB map full (507) */
    AC_ESTORE,       /* the store failed (503 / exit 3) */
    AC_ENOMEM,
    AC_EDENIED       /* authentication failed */
};

#define AC_ERR_MSG_LEN       256

/* An error code plus a one-line description naming the field at fault. */
typedef struct {
    int     code;
    char    msg[AC_ERR_MSG_LEN];
} ac_err_t;

int ac_fail(ac_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *ac_strerror(int code);

typedef struct {
    const char  *data;
    size_t       len;
} ac_str_t;


/* Limits: every input is bounded. */
#define AC_SLUG_MAX          64
#define AC_NAME_MAX          200
#define AC_PERMS_MAX         16
#define AC_GRANTS_MAX        64
#define AC_IDS_MAX           1000
#define AC_CLIENT_ID_LEN     24      /* base64url of 18 random bytes */
#define AC_SECRET_BYTES      32
#define AC_SECRET_LEN        43      /* base64url, no padding */
#define AC_HASH_LEN          32
#define AC_KID_LEN           16      /* base64url of 12 bytes */
#define AC_GRACE_MAX         (7 * 24 * 3600)
#define AC_ID_MAX            ((uint64_t) 9007199254740991)  /* 2^53 - 1 */

/* Levels of the hierarchy, from the top. */
enum {
    AC_LEVEL_ORG = 0,
    AC_LEVEL_ACCOUNT,
    AC_LEVEL_WORKSPACE
};

const char *ac_level_name(int level);
int ac_level_parse(const char *s, size_t len);   /* -1 when unknown */

/* RFC 3339 UTC, "YYYY-MM-DDTHH:MM:SSZ": buf must hold 21 bytes. */
void ac_time_format(int64_t t, char *buf);

/* A slug: 1..AC_SLUG_MAX of [a-z0-9_-], starting with a letter. */
int ac_slug_valid(const char *s, size_t len);

/* Parse a positive decimal id <= AC_ID_MAX; 0 when not one. */
uint64_t ac_id_parse(const char *s, size_t len);

/* application/x-www-form-urlencoded decoding of src into dst (at least len
 * bytes); returns the decoded length, -1 on a bad escape. */
long ac_form_decode(const char *src, size_t len, char *dst);

#endif /* AC_COMMON_H */
