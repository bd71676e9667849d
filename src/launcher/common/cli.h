/* The front end every subcommand shares: its exit statuses, its options read with one-line errors, the
 * log level from ZTRUN_LOG, -v and -q read the same way everywhere, and the report of a node's events. */
#ifndef ZTRUN_CLI_H
#define ZTRUN_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "vl1/node.h"

/* Exit statuses of our own, as a shell uses them (design.md). The run command keeps 125-127 for itself so
 * that COMMAND's own statuses stay readable; the other subcommands say 1 for a failure and, service and
 * controller, 2 for bad usage. */
enum {
	ZT_EXIT_FAILURE = 1,
	ZT_EXIT_USAGE = 2,
	ZT_EXIT_ZTRUN = 125,      /* ztrun itself failed, before or around COMMAND */
	ZT_EXIT_CANNOT_RUN = 126, /* COMMAND was found but could not be run */
	ZT_EXIT_NOT_FOUND = 127,  /* COMMAND was not found */
};

/* One subcommand's command line while it is read. */
struct zt_cli {
	char name[64]; /* "ztrun planet new": what the error lines send to for --help */
	int verbose, quiet;
};

/* The long forms of -v and -q, for every subcommand's option table (put "vq" in its short options). */
#define ZT_CLI_LOG_OPTIONS {"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'}

/* Starts reading a command line: getopt from argv[1], its own messages off; name as above. */
void zt_cli_begin(struct zt_cli *cli, const char *name);
/* Moves on to a command's own options (argv shifted so argv[0] is the command): getopt from argv[1] again
 * and " command" added to the name; the -v and -q counted so far stay. */
void zt_cli_next(struct zt_cli *cli, const char *command);
/* Counts arg if it is -v, -q, a cluster of them (-vv) or their long forms, for options that come before
 * a command group (ztrun controller -v network list); false, and nothing counted, for anything else. */
bool zt_cli_log_flag(struct zt_cli *cli, const char *arg);
/* getopt_long that counts -v and -q itself instead of returning them. Returns the next option, -1 at the
 * end, or '?' after printing the one line that says what is wrong with an option: unknown, without the
 * value it needs, or with a value it does not take. */
int zt_cli_getopt(struct zt_cli *cli, int argc, char **argv, const char *shorts, const struct option *longs);
/* Sets the log level: with -v or -q, warn moved up one step per -v and down one per -q; else ZTRUN_LOG's,
 * else warn. A ZTRUN_LOG that is no level is ignored with a warning. */
void zt_cli_set_log_level(const struct zt_cli *cli);

/* A node's events as one line each (nodehost's event callback; arg unused). */
void zt_cli_node_event(void *arg, enum zt_node_event ev, const void *data);

#endif
