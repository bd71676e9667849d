/* A controller's own planet, HOME/planet, naming it as the only root (root_planet.c). */
#ifndef ZTRUN_CTL_ROOT_PLANET_H
#define ZTRUN_CTL_ROOT_PLANET_H

#include <stddef.h>
#include <stdint.h>

#include "vl1/identity.h"
#include "vl1/world.h"

/* Where members reach a controller that is its planet's root: the --endpoint values, else --bind's address,
 * else 127.0.0.1, with the port. */
struct zt_ctl_endpoints {
	const char *const *given;
	size_t n_given;
	const char *bind;
	uint16_t port;
};

/* Loads HOME/planet into *planet, or makes it at first start . Says in one line why it cannot;
 * 0 or -1. */
int zt_ctl_planet(const char *home_dir, const struct zt_identity *id, const struct zt_ctl_endpoints *e,
                  struct zt_world *planet);

#endif
