/* The management commands, `ztrun controller network|member ...` (manage.c). */
#ifndef ZTRUN_CTL_MANAGE_H
#define ZTRUN_CTL_MANAGE_H

#include <stdio.h>

/* `ztrun controller network ...` and `ztrun controller member ...`: argv[0] is "network" or "member". */
int zt_ctl_manage_main(int argc, char **argv);
/* The management commands' lines for the controller's --help. */
void zt_ctl_manage_usage(FILE *f);

#endif
