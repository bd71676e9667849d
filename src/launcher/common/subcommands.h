/* The entry points of ztrun's subcommands. Each gets argv shifted so argv[0] is its own name, prints
 * its own messages, and returns the process exit status. */
#ifndef ZTRUN_SUBCOMMANDS_H
#define ZTRUN_SUBCOMMANDS_H

#include <stdio.h>

/* ztrun [OPTIONS] NETWORK -- COMMAND [ARG...]: also what runs when no subcommand is named. Its --help
 * ends with the subcommand table, which the dispatcher owns and prints with print_subcommands. */
int run_main(int argc, char **argv, void (*print_subcommands)(FILE *f));
/* ztrun idtool COMMAND ...: zerotier-idtool's generate, validate, getpublic, sign and verify. */
int idtool_main(int argc, char **argv);
/* ztrun planet COMMAND ...: new, show, update and verify private planets (what upstream's mkworld does). */
int planet_main(int argc, char **argv);

/* ztrun service [OPTIONS] [HOME]: a long-lived node with a home directory, serving its networks. */
int service_main(int argc, char **argv);
/* ztrun cli [-D HOME] [-j] COMMAND ...: zerotier-cli for a service. */
int cli_main(int argc, char **argv);
/* ztrun shim PATH: writes the preload library. */
int shim_main(int argc, char **argv);
/* ztrun controller [OPTIONS] HOME, and ztrun controller network|member ...: our controller and root. */
int controller_main(int argc, char **argv);

#endif
