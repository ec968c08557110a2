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
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "apicredctl.h"
#include "ac_secret.h"


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


int
ctl_usage(const char *msg)
{
    if (msg != NULL) {
        fprintf(stderr, "apicredctl: %s\n", msg);
    }

    fputs(usage_text, stderr);

    return EXIT_USAGE;
}


int
ctl_exit_code(int rc)
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


int
ctl_fail(int rc, const char *msg)
{
    fprintf(stderr, "apicredctl: %s\n", msg);

    return ctl_exit_code(rc);
}


void
ctl_print_json(json_t *j)
{
    char  *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

    if (s != NULL) {
        puts(s);
        free(s);
    }
}


uint64_t
ctl_id_arg(const char *opt, const char *s, int *bad)
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
void
ctl_keep_ownership(const char *dir)
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


int
ctl_store_open(cli_t *cli, int flags)
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

    ctl_keep_ownership(cli->dir);

    cli->ops.store = &cli->store;
    cli->ops.actor = "cli";

    return 0;
}


/* Prints every page of a listing: items as JSON, or one line each. */
int
ctl_print_pages(cli_t *cli, json_t *(*page)(cli_t *cli, const char *after,
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
            return ctl_fail(AC_ESTORE, "cannot list the store");
        }

        json_array_extend(all, json_object_get(p, "items"));
        next = json_string_value(json_object_get(p, "next"));
        after = next ? strdup(next) : NULL;
        json_decref(p);
    } while (after != NULL);

    if (cli->json) {
        ctl_print_json(all);

    } else {
        json_array_foreach(all, i, it) {
            line(it);
        }
    }

    json_decref(all);

    return 0;
}


int
ctl_one_id(int argc, char **argv, const char *cmd)
{
    char  msg[128];

    if (argc != 2 || argv[1][0] == '-') {
        snprintf(msg, sizeof(msg), "%s needs exactly one CLIENT_ID", cmd);
        return ctl_usage(msg);
    }

    return 0;
}


static const struct {
    const char  *name;
    cli_cmd_pt   handler;
} commands[] = {
    { "init", ctl_cmd_init },
    { "create", ctl_cmd_create },
    { "list", ctl_cmd_list },
    { "show", ctl_cmd_show },
    { "update", ctl_cmd_update },
    { "activate", ctl_cmd_toggle },
    { "deactivate", ctl_cmd_toggle },
    { "rotate", ctl_cmd_rotate },
    { "delete", ctl_cmd_delete },
    { "org", ctl_cmd_node },
    { "account", ctl_cmd_node },
    { "workspace", ctl_cmd_node },
    { "api", ctl_cmd_api },
    { "key", ctl_cmd_key },
    { "backup", ctl_cmd_backup },
    { "check", ctl_cmd_check },
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
        return ctl_usage("no command");
    }

    if (ac_crypto_init() != AC_OK) {
        free(args);
        return ctl_fail(AC_ESTORE, "libsodium failed to initialise");
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

    return ctl_usage(NULL);
}
