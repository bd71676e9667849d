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

int shim_main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("Usage: " USAGE "\n"
		       "\n"
		       "Writes ztrun's preload library (" ZT_SHIM_NAME ") to PATH, mode 0755. A program\n"
		       "started with LD_PRELOAD=PATH and ZT_NC_NETWORK=HOME/nc_<nwid> has its IPv4 and IPv6\n"
		       "sockets on that network of the ztrun service of HOME; without ZT_NC_NETWORK the\n"
		       "library does nothing.\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: " USAGE " (ztrun shim --help)\n");
		return ZT_EXIT_USAGE;
	}
	/* A path LD_PRELOAD cannot carry would only fail later, in the app. */
	if (strpbrk(argv[1], " :")) {
		zt_log(ZT_LOG_ERROR, "cannot use '%s': LD_PRELOAD cannot carry a path with a space or colon",
		       argv[1]);
		return ZT_EXIT_FAILURE;
	}
	int err = zt_file_write_atomic(argv[1], zt_shim_start, (size_t)(zt_shim_end - zt_shim_start), 0755,
	                               false);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot write the preload library to %s: %s", argv[1], strerror(-err));
		return ZT_EXIT_FAILURE;
	}
	return 0;
}
