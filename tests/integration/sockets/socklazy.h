/* socklazy: the checks of copies made before connect (socklazy_copies.c), run by socklazy.c's main. */
#ifndef ZTRUN_SOCKLAZY_H
#define ZTRUN_SOCKLAZY_H

#include "sockcalls.h"

void test_fork(int fam);
void test_dup_lazy(int fam);
void test_fcntl_dup(int fam);
void test_scm_rights(int fam);
void test_copies_after_option(int fam);
/* self: this program, which the spawned or exec'd side runs with connect-fd or check-opts */
void test_spawn(int fam, const char *self);
void test_exec_carried(int fam, const char *self);
int connect_fd(const char *fdarg, const char *fam, const char *port);
int check_opts(const char *fdarg, const char *fam, const char *port);

#endif
