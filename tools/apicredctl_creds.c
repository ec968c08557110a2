/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * apicredctl: the credential commands.
 */

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "apicredctl.h"
#include "ac_json.h"
#include "ac_query.h"


/* Parses "API:PERM[:org|account=1,2|workspace=3]" into g. */
static int
grant_parse(const char *spec, ac_grant_t *g, ac_err_t *err)
{
    int          level;
    char        *ids, *tok, *save, buf[4096];
    size_t       n;
    uint64_t     id;
    const char  *p1, *p2, *eq;

    memset(g, 0, sizeof(ac_grant_t));

    p1 = strchr(spec, ':');
    if (p1 == NULL || p1 - spec > AC_SLUG_MAX) {
        return ac_fail(err, AC_EINVAL, "--grant \"%s\": expected "
                       "API:PERMISSION[:SCOPE]", spec);
    }

    memcpy(g->api, spec, p1 - spec);
    p2 = strchr(p1 + 1, ':');
    n = p2 ? (size_t) (p2 - p1 - 1) : strlen(p1 + 1);

    if (n > AC_SLUG_MAX || !ac_slug_valid(g->api, strlen(g->api))
        || !ac_slug_valid(p1 + 1, n))
    {
        return ac_fail(err, AC_EINVAL, "--grant \"%s\": bad API or "
                       "permission name", spec);
    }

    memcpy(g->permission, p1 + 1, n);
    g->level = AC_LEVEL_ORG;

    if (p2 == NULL || strcmp(p2 + 1, "org") == 0) {
        return AC_OK;
    }

    eq = strchr(p2 + 1, '=');
    level = eq ? ac_level_parse(p2 + 1, eq - p2 - 1) : -1;

    if ((level != AC_LEVEL_ACCOUNT && level != AC_LEVEL_WORKSPACE)
        || strlen(eq + 1) >= sizeof(buf))
    {
        return ac_fail(err, AC_EINVAL, "--grant \"%s\": scope must be org, "
                       "account=ID,... or workspace=ID,...", spec);
    }

    g->level = level;
    g->ids = calloc(AC_IDS_MAX, sizeof(uint64_t));
    if (g->ids == NULL) {
        return AC_ENOMEM;
    }

    strcpy(buf, eq + 1);
    ids = buf;

    for (tok = strtok_r(ids, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
    {
        id = ac_id_parse(tok, strlen(tok));
        if (id == 0 || g->nids == AC_IDS_MAX) {
            return ac_fail(err, AC_EINVAL, "--grant \"%s\": \"%s\" is not a "
                           "positive integer id", spec, tok);
        }

        g->ids[g->nids++] = id;
    }

    if (g->nids == 0) {
        return ac_fail(err, AC_EINVAL, "--grant \"%s\": no ids", spec);
    }

    return AC_OK;
}


/* Options shared by create and update. */
typedef struct {
    const char  *name;
    uint64_t     org_id;
    ac_grant_t   grants[AC_GRANTS_MAX];
    size_t       ngrants;
    int          has_grants;
} cred_args_t;


static int
cred_args(int argc, char **argv, cred_args_t *a, int allow_org)
{
    int       c, bad = 0;
    ac_err_t  err;

    static struct option  opts[] = {
        { "name", required_argument, NULL, 'n' },
        { "org", required_argument, NULL, 'o' },
        { "grant", required_argument, NULL, 'g' },
        { NULL, 0, NULL, 0 }
    };

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            a->name = optarg;
            break;
        case 'o':
            if (!allow_org) {
                return ctl_usage("--org is not allowed here");
            }
            a->org_id = ctl_id_arg("--org", optarg, &bad);
            break;
        case 'g':
            if (a->ngrants == AC_GRANTS_MAX) {
                return ctl_usage("too many --grant");
            }
            a->has_grants = 1;
            if (grant_parse(optarg, &a->grants[a->ngrants++], &err)
                != AC_OK)
            {
                return ctl_fail(err.code, err.msg);
            }
            break;
        default:
            return ctl_usage(NULL);
        }
    }

    return bad ? EXIT_USAGE : 0;
}


static void
cred_args_free(cred_args_t *a)
{
    size_t  i;

    for (i = 0; i < a->ngrants; i++) {
        free(a->grants[i].ids);
    }
}


/* Prints a credential, with its new secret when there is one. */
static void
print_cred(cli_t *cli, const ac_cred_t *c, const char *secret)
{
    size_t   i, j;
    json_t  *j_cred;

    if (cli->json) {
        j_cred = ac_cred_json(c);
        if (secret != NULL) {
            json_object_set_new(j_cred, "client_secret", json_string(secret));
        }
        ctl_print_json(j_cred);
        json_decref(j_cred);
        return;
    }

    printf("client_id:     %s\n", c->client_id);
    if (secret != NULL) {
        printf("client_secret: %s\n", secret);
        printf("               (shown once: store it now)\n");
    }
    printf("name:          %s\norg_id:        %llu\nactive:        %s\n",
           c->name, (unsigned long long) c->org_id, c->active ? "yes" : "no");

    for (i = 0; i < c->ngrants; i++) {
        printf("grant:         %s:%s:%s", c->grants[i].api,
               c->grants[i].permission, ac_level_name(c->grants[i].level));
        for (j = 0; j < c->grants[i].nids; j++) {
            printf("%s%llu", j ? "," : "=",
                   (unsigned long long) c->grants[i].ids[j]);
        }
        printf("\n");
    }
}


int
ctl_cmd_create(cli_t *cli, int argc, char **argv)
{
    int          rc;
    char         secret[AC_SECRET_LEN + 1];
    ac_err_t     err;
    ac_cred_t    c;
    cred_args_t  a;

    memset(&a, 0, sizeof(a));
    a.org_id = 1;

    rc = cred_args(argc, argv, &a, 1);
    if (rc != 0) {
        return rc;
    }

    if (a.name == NULL || optind != argc) {
        cred_args_free(&a);
        return ctl_usage("create needs --name and no other arguments");
    }

    rc = ctl_store_open(cli, 0);
    if (rc != 0) {
        cred_args_free(&a);
        return rc;
    }

    memset(&c, 0, sizeof(c));
    snprintf(c.name, sizeof(c.name), "%s", a.name);
    if (strlen(a.name) > AC_NAME_MAX) {
        c.name[0] = '\0';
    }
    c.org_id = a.org_id;
    c.grants = a.grants;
    c.ngrants = a.ngrants;

    rc = ac_cred_create(&cli->ops, &c, secret, &err);
    if (rc == AC_OK) {
        print_cred(cli, &c, secret);
        sodium_memzero(secret, sizeof(secret));
    }

    cred_args_free(&a);

    return rc == AC_OK ? 0 : ctl_fail(rc, err.msg);
}


int
ctl_cmd_update(cli_t *cli, int argc, char **argv)
{
    int          rc;
    ac_err_t     err;
    ac_cred_t    c;
    cred_args_t  a;
    const char  *id;

    memset(&a, 0, sizeof(a));

    rc = cred_args(argc, argv, &a, 0);
    if (rc != 0) {
        return rc;
    }

    if (optind != argc - 1 || (a.name == NULL && !a.has_grants)) {
        cred_args_free(&a);
        return ctl_usage("update needs CLIENT_ID and --name or --grant");
    }

    id = argv[optind];

    rc = ctl_store_open(cli, 0);
    if (rc == 0) {
        rc = ac_cred_update(&cli->ops, id, a.name,
                            a.has_grants ? a.grants : NULL, a.ngrants, &c,
                            &err);
        if (rc == AC_OK) {
            print_cred(cli, &c, NULL);
            ac_cred_free(&c);
        }
        rc = rc == AC_OK ? 0 : ctl_fail(rc, err.msg);
    }

    cred_args_free(&a);

    return rc;
}


int
ctl_cmd_show(cli_t *cli, int argc, char **argv)
{
    int        rc;
    MDB_txn   *txn;
    ac_cred_t  c;

    rc = ctl_one_id(argc, argv, "show");
    rc = rc ? rc : ctl_store_open(cli, AC_STORE_RDONLY);
    if (rc != 0) {
        return rc;
    }

    if (ac_txn_begin(&cli->store, 0, &txn) != AC_OK) {
        return ctl_fail(AC_ESTORE, ac_store_strerror(&cli->store));
    }

    rc = strlen(argv[1]) <= AC_SLUG_MAX
         ? ac_cred_get(&cli->store, txn, argv[1], &c) : AC_ENOTFOUND;
    mdb_txn_abort(txn);

    if (rc == AC_ENOTFOUND) {
        fprintf(stderr, "apicredctl: unknown credential \"%.64s\"\n",
                argv[1]);
        return EXIT_NOTFOUND;
    }

    if (rc != AC_OK) {
        return ctl_fail(rc, "cannot read the credential");
    }

    print_cred(cli, &c, NULL);
    ac_cred_free(&c);

    return 0;
}


int
ctl_cmd_toggle(cli_t *cli, int argc, char **argv)
{
    int        rc, active = strcmp(argv[0], "activate") == 0;
    ac_err_t   err;
    ac_cred_t  c;

    rc = ctl_one_id(argc, argv, argv[0]);
    rc = rc ? rc : ctl_store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_cred_set_active(&cli->ops, argv[1], active, &c, &err);
    if (rc != AC_OK) {
        return ctl_fail(rc, err.msg);
    }

    print_cred(cli, &c, NULL);
    ac_cred_free(&c);

    return 0;
}


int
ctl_cmd_rotate(cli_t *cli, int argc, char **argv)
{
    int          rc, c;
    char         secret[AC_SECRET_LEN + 1], *end;
    long         grace = 0;
    ac_err_t     err;
    ac_cred_t    cred;

    static struct option  opts[] = {
        { "grace", required_argument, NULL, 'g' }, { NULL, 0, NULL, 0 }
    };

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'g') {
            return ctl_usage(NULL);
        }

        errno = 0;
        grace = strtol(optarg, &end, 10);
        if (errno || *end || end == optarg || grace < 0
            || grace > AC_GRACE_MAX)
        {
            return ctl_usage("--grace: seconds, 0 to 604800");
        }
    }

    if (optind != argc - 1) {
        return ctl_usage("rotate needs exactly one CLIENT_ID");
    }

    rc = ctl_store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_cred_rotate(&cli->ops, argv[optind], grace, secret, &cred, &err);
    if (rc != AC_OK) {
        return ctl_fail(rc, err.msg);
    }

    print_cred(cli, &cred, secret);
    sodium_memzero(secret, sizeof(secret));
    ac_cred_free(&cred);

    return 0;
}


int
ctl_cmd_delete(cli_t *cli, int argc, char **argv)
{
    int       rc;
    ac_err_t  err;

    rc = ctl_one_id(argc, argv, "delete");
    rc = rc ? rc : ctl_store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_cred_delete(&cli->ops, argv[1], &err);
    if (rc != AC_OK) {
        return ctl_fail(rc, err.msg);
    }

    if (cli->json) {
        ctl_print_json(json_pack("{s:s, s:b}", "client_id", argv[1], "deleted",
                             1));
    } else {
        printf("deleted %s\n", argv[1]);
    }

    return 0;
}


static json_t *
page_creds(cli_t *cli, const char *after, void *data)
{
    json_t   *p;
    MDB_txn  *txn;

    if (ac_txn_begin(&cli->store, 0, &txn) != AC_OK) {
        return NULL;
    }

    p = ac_list_creds(&cli->store, txn, data, after, AC_LIMIT_MAX);
    mdb_txn_abort(txn);

    return p;
}


static void
line_cred(json_t *c)
{
    size_t   i;
    json_t  *g;

    printf("%s  %-8s org %-4lld %s  [",
           json_string_value(json_object_get(c, "client_id")),
           json_is_true(json_object_get(c, "active")) ? "active" : "inactive",
           json_integer_value(json_object_get(c, "org_id")),
           json_string_value(json_object_get(c, "name")));

    json_array_foreach(json_object_get(c, "grants"), i, g) {
        printf("%s%s:%s", i ? " " : "",
               json_string_value(json_object_get(g, "api")),
               json_string_value(json_object_get(g, "permission")));
    }

    printf("]\n");
}


int
ctl_cmd_list(cli_t *cli, int argc, char **argv)
{
    int               rc, c, bad = 0;
    ac_cred_filter_t  f = { 0, NULL, -1 };

    static struct option  opts[] = {
        { "org", required_argument, NULL, 'o' },
        { "api", required_argument, NULL, 'a' },
        { "active", required_argument, NULL, 'x' },
        { NULL, 0, NULL, 0 }
    };

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            f.org_id = ctl_id_arg("--org", optarg, &bad);
            break;
        case 'a':
            f.api = optarg;
            break;
        case 'x':
            f.active = strcmp(optarg, "true") == 0 ? 1
                       : strcmp(optarg, "false") == 0 ? 0 : -2;
            if (f.active == -2) {
                return ctl_usage("--active: true or false");
            }
            break;
        default:
            return ctl_usage(NULL);
        }
    }

    if (bad || optind != argc) {
        return ctl_usage(bad ? NULL : "list takes no arguments");
    }

    rc = ctl_store_open(cli, AC_STORE_RDONLY);

    return rc ? rc : ctl_print_pages(cli, page_creds, &f, line_cred);
}
