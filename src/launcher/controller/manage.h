/* The management commands, `ztrun controller network|member ...` (manage.c). */
#ifndef ZTRUN_CTL_MANAGE_H
#define ZTRUN_CTL_MANAGE_H

#include <stdio.h>

#include "cli.h"

/* `ztrun controller network ...` and `ztrun controller member ...`: argv[0] is "network" or "member";
 * front has the -v and -q given before it. */
int zt_ctl_manage_main(int argc, char **argv, const struct zt_cli *front);
/* The management commands' lines for the controller's --help. */
void zt_ctl_manage_usage(FILE *f);

#endif
