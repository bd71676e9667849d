/* What the planet commands share: reading a world file with a clear message, the names used when
 * printing worlds, and root/endpoint edits. new and update live in planet.c, their edits in
 * planet_edit.c, show and verify in planet_show.c. */
#ifndef ZTRUN_PLANET_H
#define ZTRUN_PLANET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vl1/world.h"

/* "planet", "moon" or "null". */
const char *zt_planet_type_name(uint8_t type);
/* Reads and parses a world file (its size in *len if len is not NULL); on failure prints the error line
 * and returns -1. */
int zt_planet_load(const char *path, struct zt_world *w, size_t *len);
/* Prints `n` bytes as lowercase hex. */
void zt_planet_print_hex(FILE *f, const uint8_t *b, size_t n);

/* Root and endpoint changes, kept in command-line order: an endpoint belongs to the root named before it. */
enum zt_planet_edit_op { ZT_EDIT_ROOT, ZT_EDIT_ENDPOINT, ZT_EDIT_REMOVE_ENDPOINT, ZT_EDIT_REMOVE_ROOT };
struct zt_planet_edit {
	enum zt_planet_edit_op op;
	const char *arg; /* the option's value, as given */
};
/* Applies the edits in order, then checks that the world has a root and every root an endpoint. 0, or -1
 * after printing why not. warn_local: warn about loopback and link-local endpoints, which stock nodes
 * do not use. */
int zt_planet_apply_edits(struct zt_world *w, const struct zt_planet_edit *edits, size_t n, bool warn_local);

struct zt_cli;
/* `ztrun planet show` and `verify`, argv[0] the command; cli has read the options before it. */
int zt_planet_show(struct zt_cli *cli, int argc, char **argv);
int zt_planet_verify(struct zt_cli *cli, int argc, char **argv);

#endif
