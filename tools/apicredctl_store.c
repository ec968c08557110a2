/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * apicredctl: the store, hierarchy, catalog and key commands.
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
#include "ac_fsck.h"
#include "ac_json.h"
#include "ac_query.h"


int
ctl_cmd_init(cli_t *cli, int argc, char **argv)
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
            return ctl_usage(NULL);
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
        return ctl_fail(rc, err.msg);
    }

    if (pw != NULL && (chown(cli->dir, pw->pw_uid, pw->pw_gid) != 0
                       || chmod(cli->dir, 0700) != 0))
    {
        fprintf(stderr, "apicredctl: cannot give \"%s\" to \"%s\": %s\n",
                cli->dir, pw->pw_name, strerror(errno));
        return EXIT_STORE;
    }

    ctl_keep_ownership(cli->dir);

    if (cli->json) {
        ctl_print_json(json_pack("{s:s, s:s?}", "store", cli->dir, "owner",
                             pw ? pw->pw_name : NULL));
    } else {
        printf("initialised store %s%s%s\n", cli->dir,
               pw ? ", owned by " : "", pw ? pw->pw_name : "");
    }

    return 0;
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


int
ctl_cmd_node(cli_t *cli, int argc, char **argv)
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
        return ctl_usage("expected add or list");
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
            n.id = ctl_id_arg("--id", optarg, &bad);
            break;
        case 'o':
        case 'a':
            if (level == AC_LEVEL_ORG
                || (c == 'o') != (level == AC_LEVEL_ACCOUNT))
            {
                return ctl_usage("wrong parent option for this level");
            }
            n.parent = ctl_id_arg(c == 'o' ? "--org" : "--account", optarg,
                                  &bad);
            break;
        default:
            return ctl_usage(NULL);
        }
    }

    if (bad || optind != argc) {
        return ctl_usage(bad ? NULL : "unexpected argument");
    }

    if (strcmp(argv[0], "list") == 0) {
        rc = ctl_store_open(cli, AC_STORE_RDONLY);
        nl.level = level;
        nl.parent = n.parent;
        return rc ? rc : ctl_print_pages(cli, page_nodes, &nl, line_node);
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

    rc = ctl_store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_node_add(&cli->ops, level, &n, &err);
    if (rc != AC_OK) {
        return ctl_fail(rc, err.msg);
    }

    if (cli->json) {
        ctl_print_json(ac_node_json(level, &n));
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


int
ctl_cmd_api(cli_t *cli, int argc, char **argv)
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
        rc = ctl_store_open(cli, AC_STORE_RDONLY);
        return rc ? rc : ctl_print_pages(cli, page_apis, NULL, line_api);
    }

    if (argc < 2 || strcmp(argv[1], "add") != 0) {
        return ctl_usage("expected api add or api list");
    }

    argc--;
    argv++;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': slug = optarg; break;
        case 'n': name = optarg; break;
        case 'l': level = optarg; break;
        case 'p': perms = optarg; break;
        default: return ctl_usage(NULL);
        }
    }

    if (!slug || !name || !level || !perms || optind != argc
        || strlen(slug) > AC_SLUG_MAX || strlen(name) > AC_NAME_MAX
        || strlen(perms) >= sizeof(buf))
    {
        return ctl_usage("api add needs --slug, --name, --level and "
                         "--permissions");
    }

    memset(&a, 0, sizeof(a));
    strcpy(a.slug, slug);
    strcpy(a.name, name);
    a.level = ac_level_parse(level, strlen(level));
    strcpy(buf, perms);

    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
    {
        if (a.nperms == AC_PERMS_MAX || strlen(tok) > AC_SLUG_MAX) {
            return ctl_usage("--permissions: at most 16 names of 64 bytes");
        }
        strcpy(a.perms[a.nperms++], tok);
    }

    rc = ctl_store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_api_add(&cli->ops, &a, &err);
    if (rc != AC_OK) {
        return ctl_fail(rc, err.msg);
    }

    if (cli->json) {
        ctl_print_json(ac_api_json(&a));
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

    rc = ctl_store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_key_rotate(&cli->ops, &key, &err);
    if (rc != AC_OK) {
        return ctl_fail(rc, err.msg);
    }

    j = ac_key_json(&key);
    sodium_memzero(&key, sizeof(key));

    if (cli->json) {
        ctl_print_json(j);
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

    rc = ctl_store_open(cli, 0);
    if (rc != 0) {
        return rc;
    }

    rc = ac_key_delete(&cli->ops, kid, &err);
    if (rc != AC_OK) {
        return ctl_fail(rc, err.msg);
    }

    if (cli->json) {
        ctl_print_json(json_pack("{s:s, s:b}", "kid", kid, "deleted", 1));
    } else {
        printf("deleted key %s\n", kid);
    }

    return 0;
}


int
ctl_cmd_key(cli_t *cli, int argc, char **argv)
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
        return ctl_usage("expected key list, key rotate or key delete KID");
    }

    rc = ctl_store_open(cli, AC_STORE_RDONLY);
    if (rc != 0) {
        return rc;
    }

    if (ac_txn_begin(&cli->store, 0, &txn) != AC_OK) {
        return ctl_fail(AC_ESTORE, ac_store_strerror(&cli->store));
    }

    keys = ac_list_keys(&cli->store, txn);
    mdb_txn_abort(txn);

    if (keys == NULL) {
        return ctl_fail(AC_ESTORE, "cannot list the keys");
    }

    if (cli->json) {
        ctl_print_json(keys);

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


int
ctl_cmd_backup(cli_t *cli, int argc, char **argv)
{
    int  rc;

    if (argc != 2) {
        return ctl_usage("backup needs FILE");
    }

    rc = ctl_store_open(cli, AC_STORE_RDONLY);
    if (rc != 0) {
        return rc;
    }

    if (ac_store_backup(&cli->store, argv[1]) != AC_OK) {
        fprintf(stderr, "apicredctl: backup to \"%s\" failed: %s\n", argv[1],
                ac_store_strerror(&cli->store));
        return EXIT_STORE;
    }

    if (cli->json) {
        ctl_print_json(json_pack("{s:s}", "backup", argv[1]));
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


int
ctl_cmd_check(cli_t *cli, int argc, char **argv)
{
    int        rc;
    size_t     i;
    json_t    *problems, *p;
    ac_fsck_t  r;

    if (argc != 1) {
        return ctl_usage("check takes no arguments");
    }

    rc = ctl_store_open(cli, AC_STORE_RDONLY);
    if (rc != 0) {
        return rc;
    }

    problems = json_array();

    if (ac_store_fsck(&cli->store, report_problem, problems, &r) != AC_OK) {
        json_decref(problems);
        return ctl_fail(AC_ESTORE, "cannot read the store");
    }

    if (cli->json) {
        ctl_print_json(json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:O}",
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
