/* What the planet commands share: reading a world file with a clear message, and the one-line names
 * used when printing worlds. new and update live in planet.c, show and verify in planet_show.c. */
#ifndef ZTRUN_PLANET_H
#define ZTRUN_PLANET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vl1/world.h"

/* "planet", "moon" or "null". */
const char *zt_planet_type_name(uint8_t type);
/* Reads and parses a world file; on failure prints the error line and returns -1. */
int zt_planet_load(const char *path, struct zt_world *w);
/* Prints `n` bytes as lowercase hex. */
void zt_planet_print_hex(FILE *f, const uint8_t *b, size_t n);

int zt_planet_show(int argc, char **argv);
int zt_planet_verify(int argc, char **argv);

#endif
