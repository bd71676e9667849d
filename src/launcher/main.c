/* ztrun's entry point: dispatch only. One table serves both dispatch and --help, so the help cannot
 * drift from what exists. */
#include <stdio.h>
#include <string.h>

#include "subcommands.h"

static int run(int argc, char **argv);

static const struct zt_cmd {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
} cmds[] = {
    {"run", run, "run COMMAND with its sockets on NETWORK (the default: \"run\" may be omitted)"},
    {"idtool", idtool_main, "make, check and use identities, as zerotier-idtool does"},
    {"planet", planet_main, "make, show and update a signed private planet (world) file"},
    {"service", service_main, "run a node whose networks any program can attach to, as zerotier-one does"},
    {"cli", cli_main, "talk to a service as zerotier-cli does (info, listnetworks, join, leave, ...)"},
    {"shim", shim_main, "write the preload library that attaches programs to a service"},
    {"controller", controller_main, "run a network controller and root, and manage its networks"},
};

static void print_subcommands(FILE *f)
{
	fprintf(f, "Subcommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
}

/* The run command's --help ends with this table. */
static int run(int argc, char **argv)
{
	return run_main(argc, argv, print_subcommands);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			if (strcmp(argv[1], cmds[i].name) == 0)
				return cmds[i].main(argc - 1, argv + 1);
		}
	}
	/* As bare `wg` means `wg show`: anything that is not a subcommand is the run command's. */
	return run(argc, argv);
}
