/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * apicredctl: bootstraps and operates the credential store directly.
 * Safe while nginx runs: LMDB serialises writers across processes.
 *
 * Exit codes: 0 ok, 1 usage or invalid input, 2 not found, 3 store error.
 */

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "ac_fsck.h"
#include "ac_json.h"
#include "ac_ops.h"
#include "ac_query.h"
#include "ac_secret.h"


#define EXIT_USAGE           1
#define EXIT_NOTFOUND        2
#define EXIT_STORE           3

typedef struct {
    const char  *dir;
    int          json;
    ac_store_t   store;
    ac_ops_t     ops;
} cli_t;

typedef int (*cli_cmd_pt)(cli_t *cli, int argc, char **argv);


static const char  *usage_text =
    "usage: apicredctl [-s DIR] [--json] COMMAND [ARGS]\n"
    "\n"
    "  -s DIR       store directory (default: $APICRED_STORE or "
    "/var/lib/apicred)\n"
    "  --json       machine-readable output\n"
    "\n"
    "  init [--user NAME]\n"
    "  create --name NAME [--org ID] --grant API:PERM[:SCOPE] ...\n"
    "  list [--org ID] [--api SLUG] [--active true|false]\n"
    "  show CLIENT_ID\n"
    "  update CLIENT_ID [--name NAME] [--grant API:PERM[:SCOPE] ...]\n"
    "  activate CLIENT_ID | deactivate CLIENT_ID | delete CLIENT_ID\n"
    "  rotate CLIENT_ID [--grace SECONDS]\n"
    "  org add --name NAME [--id ID] | org list\n"
    "  account add --org ID --name NAME [--id ID] | account list [--org ID]\n"
    "  workspace add --account ID --name NAME [--id ID]\n"
    "  workspace list [--account ID]\n"
    "  api add --slug SLUG --name NAME --level org|account|workspace\n"
    "          --permissions P1,P2,...   (most powerful first)\n"
    "  api list\n"
    "  key list | key rotate | key delete KID\n"
    "  backup FILE\n"
    "  check\n"
    "\n"
    "SCOPE: org (the default), account=ID[,ID...] or "
    "workspace=ID[,ID...]\n"
    "exit codes: 0 ok, 1 usage or invalid input, 2 not found, 3 store "
    "error\n";


static int
usage(const char *msg)
{
    if (msg != NULL) {
        fprintf(stderr, "apicredctl: %s\n", msg);
    }

    fputs(usage_text, stderr);

    return EXIT_USAGE;
}


static int
exit_code(int rc)
{
    switch (rc) {
    case AC_OK:
        return 0;
    case AC_ENOTFOUND:
        return EXIT_NOTFOUND;
    case AC_ESTORE:
    case AC_EFULL:
    case AC_ENOMEM:
        return EXIT_STORE;
    default:
        return EXIT_USAGE;
    }
}


static int
fail(int rc, const char *msg)
{
    fprintf(stderr, "apicredctl: %s\n", msg);

    return exit_code(rc);
}


static void
print_json(json_t *j)
{
    char  *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

    if (s != NULL) {
        puts(s);
        free(s);
    }
}


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


static uint64_t
id_arg(const char *opt, const char *s, int *bad)
{
    uint64_t  id = ac_id_parse(s, strlen(s));

    if (id == 0) {
        fprintf(stderr, "apicredctl: %s \"%s\": not a positive integer id\n",
                opt, s);
        *bad = 1;
    }

    return id;
}


/* Keeps the files owned by the directory's owner (the nginx workers). */
static void
keep_ownership(const char *dir)
{
    char         path[4096];
    struct stat  st;

    if (geteuid() != 0 || stat(dir, &st) != 0) {
        return;
    }

    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    if (chown(path, st.st_uid, st.st_gid) != 0) {
        return;
    }

    snprintf(path, sizeof(path), "%s/lock.mdb", dir);
    if (chown(path, st.st_uid, st.st_gid) != 0) {
        return;
    }
}


static int
store_open(cli_t *cli, int flags)
{
    int  rc;

    rc = ac_store_open(&cli->store, cli->dir, flags, 0);

    if (rc == AC_ENOTFOUND) {
        fprintf(stderr, "apicredctl: no store in \"%s\" (run \"apicredctl -s "
                "%s init\")\n", cli->dir, cli->dir);
        return EXIT_STORE;
    }

    if (rc != AC_OK) {
        fprintf(stderr, "apicredctl: cannot open store \"%s\": %s\n",
                cli->dir, ac_store_strerror(&cli->store));
        return EXIT_STORE;
    }

    keep_ownership(cli->dir);

    cli->ops.store = &cli->store;
    cli->ops.actor = "cli";

    return 0;
}


static int
cmd_init(cli_t *cli, int argc, char **argv)
{
    int             rc, c;
    ac_err_t        err;
    const char     *user = NULL;
    struct passwd  *pw = NULL;

    static struct option  opts[] = {
        { "user", required_argument, NULL, 'u' }, { NULL, 0, NULL, 0 }
    };

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'u') {
            return usage(NULL);
        }
        user = optarg;
    }

    if (user != NULL) {
        pw = getpwnam(user);
        if (pw == NULL) {
            fprintf(stderr, "apicredctl: unknown user \"%s\"\n", user);
            return EXIT_USAGE;
        }

    } else if (geteuid() == 0) {
        pw = getpwnam("www-data");
    }

    rc = ac_store_open(&cli->store, cli->dir, AC_STORE_CREATE, 0);
    if (rc != AC_OK) {
        fprintf(stderr, "apicredctl: cannot create store \"%s\": %s\n",
                cli->dir, ac_store_strerror(&cli->store));
        return EXIT_STORE;
    }

    cli->ops.store = &cli->store;
    cli->ops.actor = "cli";

    rc = ac_ops_init(&cli->ops, &err);
    if (rc != AC_OK) {
        return fail(rc, err.msg);
    }

    if (pw != NULL && (chown(cli->dir, pw->pw_uid, pw->pw_gid) != 0
                       || chmod(cli->dir, 0700) != 0))
    {
        fprintf(stderr, "apicredctl: cannot give \"%s\" to \"%s\": %s\n",
                cli->dir, pw->pw_name, strerror(errno));
        return EXIT_STORE;
    }

    keep_ownership(cli->dir);

    if (cli->json) {
        print_json(json_pack("{s:s, s:s?}", "store", cli->dir, "owner",
                             pw ? pw->pw_name : NULL));
    } else {
        printf("initialised store %s%s%s\n", cli->dir,
               pw ? ", owned by " : "", pw ? pw->pw_name : "");
    }

    return 0;
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
                return usage("--org is not allowed here");
            }
            a->org_id = id_arg("--org", optarg, &bad);
            break;
        case 'g':
            if (a->ngrants == AC_GRANTS_MAX) {
                return usage("too many --grant");
            }
            a->has_grants = 1;
            if (grant_parse(optarg, &a->grants[a->ngrants++], &err)
                != AC_OK)
            {
                return fail(err.code, err.msg);
            }
            break;
        default:
            return usage(NULL);
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
        print_json(j_cred);
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


static int
cmd_create(cli_t *cli, int argc, char **argv)
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
        return usage("create needs --name and no other arguments");
    }

    rc = store_open(cli, 0);
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

    return rc == AC_OK ? 0 : fail(rc, err.msg);
}


static int
cmd_update(cli_t *cli, int argc, char **argv)
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
        return usage("update needs CLIENT_ID and --name or --grant");
    }

    id = argv[optind];

    rc = store_open(cli, 0);
    if (rc == 0) {
        rc = ac_cred_update(&cli->ops, id, a.name,
                            a.has_grants ? a.grants : NULL, a.ngrants, &c,
                            &err);
        if (rc == AC_OK) {
            print_cred(cli, &c, NULL);
            ac_cred_free(&c);
        }
        rc = rc == AC_OK ? 0 : fail(rc, err.msg);
    }

    cred_args_free(&a);

    return rc;
}


static int
one_id(int argc, char **argv, const char *cmd)
{
    char  msg[128];

    if (argc != 2 || argv[1][0] == '-') {
        snprintf(msg, sizeof(msg), "%s needs exactly one CLIENT_ID", cmd);
        return usage(msg);
    }

    return 0;
}


static int
cmd_show(cli_t *cli, int argc, char **argv)
{
    int        rc;
    MDB_txn   *txn;
    ac_cred_t  c;

    rc = one_id(argc, argv, "show");
    rc = rc ? rc : store_open(cli, AC_STORE_RDONLY);
    if (rc != 0) {
        return rc;
    }

    if (ac_txn_begin(&cli->store, 0, &txn) != AC_OK) {
        return fail(AC_ESTORE, ac_store_strerror(&cli->store));
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
        return fail(rc, "cannot read the credential");
    }

    print_cred(cli, &c, NULL);
    ac_cred_free(&c);

    return 0;
}


static int
cmd_toggle(cli_t *cli, int argc, char **argv)
{
    int        rc, active = strcmp(argv[0], "activate") == 0;
    ac_err_t   err;
    ac_cred_t  c;

    rc = one_id(argc, argv, argv[0]);
    rc = rc ? rc : store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_cred_set_active(&cli->ops, argv[1], active, &c, &err);
    if (rc != AC_OK) {
        return fail(rc, err.msg);
    }

    print_cred(cli, &c, NULL);
    ac_cred_free(&c);

    return 0;
}


static int
cmd_rotate(cli_t *cli, int argc, char **argv)
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
            return usage(NULL);
        }

        errno = 0;
        grace = strtol(optarg, &end, 10);
        if (errno || *end || end == optarg || grace < 0
            || grace > AC_GRACE_MAX)
        {
            return usage("--grace: seconds, 0 to 604800");
        }
    }

    if (optind != argc - 1) {
        return usage("rotate needs exactly one CLIENT_ID");
    }

    rc = store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_cred_rotate(&cli->ops, argv[optind], grace, secret, &cred, &err);
    if (rc != AC_OK) {
        return fail(rc, err.msg);
    }

    print_cred(cli, &cred, secret);
    sodium_memzero(secret, sizeof(secret));
    ac_cred_free(&cred);

    return 0;
}


static int
cmd_delete(cli_t *cli, int argc, char **argv)
{
    int       rc;
    ac_err_t  err;

    rc = one_id(argc, argv, "delete");
    rc = rc ? rc : store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_cred_delete(&cli->ops, argv[1], &err);
    if (rc != AC_OK) {
        return fail(rc, err.msg);
    }

    if (cli->json) {
        print_json(json_pack("{s:s, s:b}", "client_id", argv[1], "deleted",
                             1));
    } else {
        printf("deleted %s\n", argv[1]);
    }

    return 0;
}


/* Prints every page of a listing: items as JSON, or one line each. */
static int
print_pages(cli_t *cli, json_t *(*page)(cli_t *cli, const char *after,
    void *data), void *data, void (*line)(json_t *item))
{
    char        *after = NULL;
    size_t       i;
    json_t      *p, *all, *it;
    const char  *next;

    all = json_array();

    do {
        p = page(cli, after, data);
        free(after);
        after = NULL;

        if (p == NULL) {
            json_decref(all);
            return fail(AC_ESTORE, "cannot list the store");
        }

        json_array_extend(all, json_object_get(p, "items"));
        next = json_string_value(json_object_get(p, "next"));
        after = next ? strdup(next) : NULL;
        json_decref(p);
    } while (after != NULL);

    if (cli->json) {
        print_json(all);

    } else {
        json_array_foreach(all, i, it) {
            line(it);
        }
    }

    json_decref(all);

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


static int
cmd_list(cli_t *cli, int argc, char **argv)
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
            f.org_id = id_arg("--org", optarg, &bad);
            break;
        case 'a':
            f.api = optarg;
            break;
        case 'x':
            f.active = strcmp(optarg, "true") == 0 ? 1
                       : strcmp(optarg, "false") == 0 ? 0 : -2;
            if (f.active == -2) {
                return usage("--active: true or false");
            }
            break;
        default:
            return usage(NULL);
        }
    }

    if (bad || optind != argc) {
        return usage(bad ? NULL : "list takes no arguments");
    }

    rc = store_open(cli, AC_STORE_RDONLY);

    return rc ? rc : print_pages(cli, page_creds, &f, line_cred);
}


typedef struct {
    int       level;
    uint64_t  parent;
} node_list_t;


static json_t *
page_nodes(cli_t *cli, const char *after, void *data)
{
    json_t       *p;
    MDB_txn      *txn;
    node_list_t  *n = data;

    if (ac_txn_begin(&cli->store, 0, &txn) != AC_OK) {
        return NULL;
    }

    p = ac_list_nodes(&cli->store, txn, n->level, n->parent, 0, after,
                      AC_LIMIT_MAX);
    mdb_txn_abort(txn);

    return p;
}


static void
line_node(json_t *n)
{
    json_t  *parent = json_object_get(n, "org_id");

    if (parent == NULL) {
        parent = json_object_get(n, "account_id");
    }

    printf("%lld  %s", json_integer_value(json_object_get(n, "id")),
           json_string_value(json_object_get(n, "name")));

    if (parent != NULL) {
        printf("  (in %lld)", json_integer_value(parent));
    }

    printf("\n");
}


static int
cmd_node(cli_t *cli, int argc, char **argv)
{
    int           rc, c, bad = 0, level;
    ac_err_t      err;
    ac_node_t     n;
    node_list_t   nl;
    const char   *name = NULL;

    static const char  *parent_opt[] = { NULL, "org", "account" };
    struct option       opts[] = {
        { "name", required_argument, NULL, 'n' },
        { "id", required_argument, NULL, 'i' },
        { "org", required_argument, NULL, 'o' },
        { "account", required_argument, NULL, 'a' },
        { NULL, 0, NULL, 0 }
    };

    level = ac_level_parse(argv[0], strlen(argv[0]));

    if (argc < 2 || (strcmp(argv[1], "add") != 0
                     && strcmp(argv[1], "list") != 0))
    {
        return usage("expected add or list");
    }

    memset(&n, 0, sizeof(n));
    argc--;
    argv++;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            name = optarg;
            break;
        case 'i':
            n.id = id_arg("--id", optarg, &bad);
            break;
        case 'o':
        case 'a':
            if (level == AC_LEVEL_ORG
                || (c == 'o') != (level == AC_LEVEL_ACCOUNT))
            {
                return usage("wrong parent option for this level");
            }
            n.parent = id_arg(c == 'o' ? "--org" : "--account", optarg, &bad);
            break;
        default:
            return usage(NULL);
        }
    }

    if (bad || optind != argc) {
        return usage(bad ? NULL : "unexpected argument");
    }

    if (strcmp(argv[0], "list") == 0) {
        rc = store_open(cli, AC_STORE_RDONLY);
        nl.level = level;
        nl.parent = n.parent;
        return rc ? rc : print_pages(cli, page_nodes, &nl, line_node);
    }

    if (name == NULL || strlen(name) > AC_NAME_MAX
        || (level != AC_LEVEL_ORG && n.parent == 0))
    {
        fprintf(stderr, "apicredctl: %s add needs --name (1 to %d bytes)%s%s\n",
                ac_level_name(level), AC_NAME_MAX,
                level != AC_LEVEL_ORG ? " and --" : "",
                level != AC_LEVEL_ORG ? parent_opt[level] : "");
        return EXIT_USAGE;
    }

    strcpy(n.name, name);

    rc = store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_node_add(&cli->ops, level, &n, &err);
    if (rc != AC_OK) {
        return fail(rc, err.msg);
    }

    if (cli->json) {
        print_json(ac_node_json(level, &n));
    } else {
        printf("added %s %llu\n", ac_level_name(level),
               (unsigned long long) n.id);
    }

    return 0;
}


static json_t *
page_apis(cli_t *cli, const char *after, void *data)
{
    json_t   *p;
    MDB_txn  *txn;

    if (ac_txn_begin(&cli->store, 0, &txn) != AC_OK) {
        return NULL;
    }

    p = ac_list_apis(&cli->store, txn, after, AC_LIMIT_MAX);
    mdb_txn_abort(txn);

    return p;
}


static void
line_api(json_t *a)
{
    size_t   i;
    json_t  *p;

    printf("%-16s %-10s %s  [",
           json_string_value(json_object_get(a, "slug")),
           json_string_value(json_object_get(a, "level")),
           json_string_value(json_object_get(a, "name")));

    json_array_foreach(json_object_get(a, "permissions"), i, p) {
        printf("%s%s", i ? " " : "", json_string_value(p));
    }

    printf("]\n");
}


static int
cmd_api(cli_t *cli, int argc, char **argv)
{
    int          rc, c;
    char        *tok, *save, buf[2048];
    ac_api_t     a;
    ac_err_t     err;
    const char  *slug = NULL, *name = NULL, *level = NULL, *perms = NULL;

    static struct option  opts[] = {
        { "slug", required_argument, NULL, 's' },
        { "name", required_argument, NULL, 'n' },
        { "level", required_argument, NULL, 'l' },
        { "permissions", required_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 }
    };

    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        rc = store_open(cli, AC_STORE_RDONLY);
        return rc ? rc : print_pages(cli, page_apis, NULL, line_api);
    }

    if (argc < 2 || strcmp(argv[1], "add") != 0) {
        return usage("expected api add or api list");
    }

    argc--;
    argv++;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': slug = optarg; break;
        case 'n': name = optarg; break;
        case 'l': level = optarg; break;
        case 'p': perms = optarg; break;
        default: return usage(NULL);
        }
    }

    if (!slug || !name || !level || !perms || optind != argc
        || strlen(slug) > AC_SLUG_MAX || strlen(name) > AC_NAME_MAX
        || strlen(perms) >= sizeof(buf))
    {
        return usage("api add needs --slug, --name, --level, --permissions");
    }

    memset(&a, 0, sizeof(a));
    strcpy(a.slug, slug);
    strcpy(a.name, name);
    a.level = ac_level_parse(level, strlen(level));
    strcpy(buf, perms);

    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
    {
        if (a.nperms == AC_PERMS_MAX || strlen(tok) > AC_SLUG_MAX) {
            return usage("--permissions: at most 16 names of 64 bytes");
        }
        strcpy(a.perms[a.nperms++], tok);
    }

    rc = store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_api_add(&cli->ops, &a, &err);
    if (rc != AC_OK) {
        return fail(rc, err.msg);
    }

    if (cli->json) {
        print_json(ac_api_json(&a));
    } else {
        printf("added API %s\n", a.slug);
    }

    return 0;
}


static int
key_rotate(cli_t *cli)
{
    int       rc;
    json_t   *j;
    ac_err_t  err;
    ac_key_t  key;

    rc = store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_key_rotate(&cli->ops, &key, &err);
    if (rc != AC_OK) {
        return fail(rc, err.msg);
    }

    j = ac_key_json(&key);
    sodium_memzero(&key, sizeof(key));

    if (cli->json) {
        print_json(j);
    } else {
        printf("new active key %s; the others are retired\n",
               json_string_value(json_object_get(j, "kid")));
    }

    json_decref(j);

    return 0;
}


static int
key_delete(cli_t *cli, const char *kid)
{
    int       rc;
    ac_err_t  err;

    rc = store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_key_delete(&cli->ops, kid, &err);
    if (rc != AC_OK) {
        return fail(rc, err.msg);
    }

    if (cli->json) {
        print_json(json_pack("{s:s, s:b}", "kid", kid, "deleted", 1));
    } else {
        printf("deleted key %s\n", kid);
    }

    return 0;
}


static int
cmd_key(cli_t *cli, int argc, char **argv)
{
    int       rc;
    size_t    i;
    json_t   *keys, *k;
    MDB_txn  *txn;

    if (argc == 2 && strcmp(argv[1], "rotate") == 0) {
        return key_rotate(cli);
    }

    if (argc == 3 && strcmp(argv[1], "delete") == 0) {
        return key_delete(cli, argv[2]);
    }

    if (argc != 2 || strcmp(argv[1], "list") != 0) {
        return usage("expected key list, key rotate or key delete KID");
    }

    rc = store_open(cli, AC_STORE_RDONLY);
    if (rc != 0) {
        return rc;
    }

    if (ac_txn_begin(&cli->store, 0, &txn) != AC_OK) {
        return fail(AC_ESTORE, ac_store_strerror(&cli->store));
    }

    keys = ac_list_keys(&cli->store, txn);
    mdb_txn_abort(txn);

    if (keys == NULL) {
        return fail(AC_ESTORE, "cannot list the keys");
    }

    if (cli->json) {
        print_json(keys);

    } else {
        json_array_foreach(keys, i, k) {
            printf("%s  %s  %s  %s\n",
                   json_string_value(json_object_get(k, "kid")),
                   json_string_value(json_object_get(k, "alg")),
                   json_string_value(json_object_get(k, "status")),
                   json_string_value(json_object_get(k, "public_key")));
        }
    }

    json_decref(keys);

    return 0;
}


static int
cmd_backup(cli_t *cli, int argc, char **argv)
{
    int  rc;

    if (argc != 2) {
        return usage("backup needs FILE");
    }

    rc = store_open(cli, AC_STORE_RDONLY);
    if (rc != 0) {
        return rc;
    }

    if (ac_store_backup(&cli->store, argv[1]) != AC_OK) {
        fprintf(stderr, "apicredctl: backup to \"%s\" failed: %s\n", argv[1],
                ac_store_strerror(&cli->store));
        return EXIT_STORE;
    }

    if (cli->json) {
        print_json(json_pack("{s:s}", "backup", argv[1]));
    } else {
        printf("compacted copy written to %s\n", argv[1]);
    }

    return 0;
}


static void
report_problem(void *data, const char *problem)
{
    json_t  *list = data;

    json_array_append_new(list, json_string(problem));
}


static int
cmd_check(cli_t *cli, int argc, char **argv)
{
    int        rc;
    size_t     i;
    json_t    *problems, *p;
    ac_fsck_t  r;

    if (argc != 1) {
        return usage("check takes no arguments");
    }

    rc = store_open(cli, AC_STORE_RDONLY);
    if (rc != 0) {
        return rc;
    }

    problems = json_array();

    if (ac_store_fsck(&cli->store, report_problem, problems, &r) != AC_OK) {
        json_decref(problems);
        return fail(AC_ESTORE, "cannot read the store");
    }

    if (cli->json) {
        print_json(json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:O}",
                             "ok", r.problems == 0,
                             "credentials", (json_int_t) r.creds,
                             "apis", (json_int_t) r.apis,
                             "nodes", (json_int_t) r.nodes,
                             "keys", (json_int_t) r.keys,
                             "audit", (json_int_t) r.audit,
                             "problems", problems));

    } else {
        json_array_foreach(problems, i, p) {
            printf("problem: %s\n", json_string_value(p));
        }

        printf("%s: %zu credentials, %zu APIs, %zu orgs/accounts/workspaces, "
               "%zu keys, %zu audit records, %zu problems\n",
               r.problems ? "damaged" : "ok", r.creds, r.apis, r.nodes,
               r.keys, r.audit, r.problems);
    }

    json_decref(problems);

    return r.problems ? EXIT_STORE : 0;
}


static const struct {
    const char  *name;
    cli_cmd_pt   handler;
} commands[] = {
    { "init", cmd_init },
    { "create", cmd_create },
    { "list", cmd_list },
    { "show", cmd_show },
    { "update", cmd_update },
    { "activate", cmd_toggle },
    { "deactivate", cmd_toggle },
    { "rotate", cmd_rotate },
    { "delete", cmd_delete },
    { "org", cmd_node },
    { "account", cmd_node },
    { "workspace", cmd_node },
    { "api", cmd_api },
    { "key", cmd_key },
    { "backup", cmd_backup },
    { "check", cmd_check },
};


int
main(int argc, char **argv)
{
    int     i, n, rc;
    cli_t   cli;
    char  **args;
    size_t  k;

    memset(&cli, 0, sizeof(cli));
    cli.dir = getenv("APICRED_STORE");
    if (cli.dir == NULL || cli.dir[0] == '\0') {
        cli.dir = "/var/lib/apicred";
    }

    /* global options may come anywhere: take them out first */
    args = calloc(argc + 1, sizeof(char *));
    if (args == NULL) {
        return EXIT_STORE;
    }

    for (i = 1, n = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            cli.json = 1;

        } else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc && n == 0) {
            cli.dir = argv[++i];

        } else if (strcmp(argv[i], "-h") == 0
                   || strcmp(argv[i], "--help") == 0)
        {
            fputs(usage_text, stdout);
            free(args);
            return 0;

        } else {
            args[n++] = argv[i];
        }
    }

    if (n == 0) {
        free(args);
        return usage("no command");
    }

    if (ac_crypto_init() != AC_OK) {
        free(args);
        return fail(AC_ESTORE, "libsodium failed to initialise");
    }

    for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
        if (strcmp(args[0], commands[k].name) == 0) {
            optind = 1;
            opterr = 0;
            rc = commands[k].handler(&cli, n, args);
            ac_store_close(&cli.store);
            free(args);
            return rc;
        }
    }

    fprintf(stderr, "apicredctl: unknown command \"%s\"\n", args[0]);
    free(args);

    return usage(NULL);
}
