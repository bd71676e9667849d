/* ztrun shim PATH: writes the preload library ztrun carries, so any process can attach to a ztrun service
 * (LD_PRELOAD=PATH ZT_NC_NETWORK=HOME/nc_<nwid>) or be listed in /etc/ld.so.preload (without
 * ZT_NC_NETWORK the library does nothing). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "shim.h"
#include "subcommands.h"
#include "sysio.h"

#define USAGE "ztrun shim PATH"

static void print_help(void)
{
	printf("Usage: " USAGE "\n"
	       "\n"
	       "Writes ztrun's preload library (" ZT_SHIM_NAME ") to PATH, mode 0755. A program\n"
	       "started with LD_PRELOAD=PATH and ZT_NC_NETWORK=HOME/nc_<nwid> has its IPv4 and IPv6\n"
	       "sockets on that network of the ztrun service of HOME; without ZT_NC_NETWORK the\n"
	       "library does nothing.\n"
	       "\n"
	       "  -v, --verbose   say more (twice: debug); overrides ZTRUN_LOG\n"
	       "  -q, --quiet     print errors only; overrides ZTRUN_LOG\n"
	       "  -h, --help      print this help\n");
}

int shim_main(int argc, char **argv)
{
	static const struct option longs[] = {{"help", no_argument, NULL, 'h'}, ZT_CLI_LOG_OPTIONS, {0}};
	struct zt_cli front;
	int opt;
	zt_cli_begin(&front, "ztrun shim");
	while ((opt = zt_cli_getopt(&front, argc, argv, "hvq", longs)) != -1) {
		if (opt != 'h')
			return ZT_EXIT_USAGE; /* '?': said */
		print_help();
		return 0;
	}
	zt_cli_set_log_level(&front);
	if (optind != argc - 1) {
		zt_log(ZT_LOG_ERROR, "%s (usage: " USAGE "; see ztrun shim --help)",
		       optind == argc ? "missing PATH" : "one PATH only");
		return ZT_EXIT_USAGE;
	}
	const char *path = argv[optind];
	/* A path LD_PRELOAD cannot carry would only fail later, in the app. */
	if (strpbrk(path, " :")) {
		zt_log(ZT_LOG_ERROR, "cannot use '%s': LD_PRELOAD cannot carry a path with a space or colon",
		       path);
		return ZT_EXIT_FAILURE;
	}
	size_t len = (size_t)(zt_shim_end - zt_shim_start);
	int err = zt_file_write_atomic(path, zt_shim_start, len, 0755, false);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot write the preload library to %s: %s", path, strerror(-err));
		return ZT_EXIT_FAILURE;
	}
	zt_log(ZT_LOG_INFO, "wrote the preload library to %s (%zu bytes)", path, len);
	return 0;
}
