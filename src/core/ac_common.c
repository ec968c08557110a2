/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ac_common.h"


int
ac_fail(ac_err_t *err, int code, const char *fmt, ...)
{
    va_list  args;

    if (err != NULL) {
        err->code = code;
        va_start(args, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, args);
        va_end(args);
    }

    return code;
}


const char *
ac_strerror(int code)
{
    switch (code) {
    case AC_OK:         return "ok";
    case AC_EINVAL:     return "invalid value";
    case AC_EMALFORMED: return "malformed input";
    case AC_ENOTFOUND:  return "not found";
    case AC_ECONFLICT:  return "conflict";
    case AC_EFORBIDDEN: return "forbidden";
    case AC_EFULL:      return "store full";
    case AC_ESTORE:     return "store error";
    case AC_ENOMEM:     return "out of memory";
    case AC_EDENIED:    return "authentication failed";
    default:            return "unknown error";
    }
}


static const char *ac_levels[] = { "org", "account", "workspace" };


const char *
ac_level_name(int level)
{
    return (level >= 0 && level <= AC_LEVEL_WORKSPACE) ? ac_levels[level]
                                                       : "?";
}


int
ac_level_parse(const char *s, size_t len)
{
    int  i;

    for (i = 0; i <= AC_LEVEL_WORKSPACE; i++) {
        if (strlen(ac_levels[i]) == len && memcmp(ac_levels[i], s, len) == 0) {
            return i;
        }
    }

    return -1;
}


void
ac_time_format(int64_t t, char *buf)
{
    time_t     tt = (time_t) t;
    struct tm  tm;

    gmtime_r(&tt, &tm);
    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}


int
ac_slug_valid(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > AC_SLUG_MAX || s[0] < 'a' || s[0] > 'z') {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
              || s[i] == '_' || s[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
}


uint64_t
ac_id_parse(const char *s, size_t len)
{
    size_t    i;
    uint64_t  id = 0;

    if (len == 0 || len > 16 || s[0] == '0') {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        id = id * 10 + (uint64_t) (s[i] - '0');
    }

    return id <= AC_ID_MAX ? id : 0;
}


static int
ac_hex(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}


long
ac_form_decode(const char *src, size_t len, char *dst)
{
    int     hi, lo;
    size_t  i, n = 0;

    for (i = 0; i < len; i++) {
        if (src[i] == '+') {
            dst[n++] = ' ';

        } else if (src[i] == '%') {
            if (i + 2 >= len) {
                return -1;
            }
            hi = ac_hex((unsigned char) src[i + 1]);
            lo = ac_hex((unsigned char) src[i + 2]);
            if (hi < 0 || lo < 0) {
                return -1;
            }
            dst[n++] = (char) (hi << 4 | lo);
            i += 2;

        } else {
            dst[n++] = src[i];
        }
    }

    return (long) n;
}
