/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * apicredctl: what the command files share.
 */

#ifndef APICREDCTL_H
#define APICREDCTL_H

#include <jansson.h>

#include "ac_ops.h"


#define EXIT_USAGE           1
#define EXIT_NOTFOUND        2
#define EXIT_STORE           3

typedef struct {
    const char  *dir;
    int          json;
    ac_store_t   store;
    ac_ops_t     ops;
} cli_t;

int ctl_usage(const char *msg);
int ctl_exit_code(int rc);
int ctl_fail(int rc, const char *msg);
void ctl_print_json(json_t *j);
uint64_t ctl_id_arg(const char *opt, const char *s, int *bad);
void ctl_keep_ownership(const char *dir);
int ctl_store_open(cli_t *cli, int flags);
int ctl_print_pages(cli_t *cli, json_t *(*page)(cli_t *cli, const char *after,
    void *data), void *data, void (*line)(json_t *item));
int ctl_one_id(int argc, char **argv, const char *cmd);

/* Commands: argv[0] is the command name. */
int ctl_cmd_init(cli_t *cli, int argc, char **argv);
int ctl_cmd_create(cli_t *cli, int argc, char **argv);
int ctl_cmd_update(cli_t *cli, int argc, char **argv);
int ctl_cmd_show(cli_t *cli, int argc, char **argv);
int ctl_cmd_toggle(cli_t *cli, int argc, char **argv);
int ctl_cmd_rotate(cli_t *cli, int argc, char **argv);
int ctl_cmd_delete(cli_t *cli, int argc, char **argv);
int ctl_cmd_list(cli_t *cli, int argc, char **argv);
int ctl_cmd_node(cli_t *cli, int argc, char **argv);
int ctl_cmd_api(cli_t *cli, int argc, char **argv);
int ctl_cmd_key(cli_t *cli, int argc, char **argv);
int ctl_cmd_backup(cli_t *cli, int argc, char **argv);
int ctl_cmd_check(cli_t *cli, int argc, char **argv);

#endif /* APICREDCTL_H */
