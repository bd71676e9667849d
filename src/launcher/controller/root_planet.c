/* A controller's planet: at first start HOME/planet naming the controller as its only root, signed with
 * HOME/planet.key (made 0600 when missing); at later starts the same planet, or its next signed revision
 * when the endpoints given on the command line changed, which members take over from their root. The
 * world format and its rules are vl1/world's, the edits planet_edit.c's. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "root_planet.h"
#include "store.h"
#include "keyfile.h"
#include "log.h"
#include "planet.h"
#include "sysio.h"
#include "vl1/crypto.h"

#define MAX_ENDPOINT ZT_WORLD_MAX_ENDPOINTS

static uint64_t random_world_id(void)
{
	uint64_t id;
	do { /* never 0 nor Earth's; 63 bits, for readers that take it as signed */
		zt_sys_random(NULL, &id, sizeof(id));
		id &= INT64_MAX;
	} while (id == 0 || id == ZT_EARTH_ID);
	return id;
}

/* The endpoints the planet should name for us, as text. *explicit: the user gave them (--endpoint, --bind).
 */
static size_t wanted_endpoints(const struct zt_ctl_endpoints *o, char text[][ZT_INETADDR_TEXT_MAX + 8],
                               bool *explicit)
{
	*explicit = o->n_given > 0 || o->bind;
	if (o->n_given) {
		for (size_t i = 0; i < o->n_given; i++)
			snprintf(text[i], ZT_INETADDR_TEXT_MAX + 8, "%s", o->given[i]);
		return o->n_given;
	}
	snprintf(text[0], ZT_INETADDR_TEXT_MAX + 8, "%s/%u", o->bind ? o->bind : "127.0.0.1",
	         (unsigned)o->port);
	return 1;
}

static int write_planet_file(const char *path, const struct zt_world *w,
                             const uint8_t pub[ZT_IDENTITY_PUB_LEN], bool no_clobber)
{
	static uint8_t buf[ZT_WORLD_MAX_LEN];
	static struct zt_world back;
	int n = zt_world_encode(w, buf, sizeof(buf));
	if (n < 0 || zt_world_parse(&back, buf, (size_t)n) != 0 || !zt_world_verify(&back, pub)) {
		zt_log(ZT_LOG_ERROR, "cannot encode the planet: %s (a bug: please report it)",
		       n < 0 ? strerror(-n) : "it does not read back");
		return -1;
	}
	int err = zt_file_write_atomic(path, buf, (size_t)n, 0644, no_clobber);
	if (err)
		zt_log(ZT_LOG_ERROR, "cannot write %s: %s", path, strerror(-err));
	return err ? -1 : 0;
}

/* First start: HOME/planet naming us as its only root, signed with HOME/planet.key (made 0600 if missing). */
static int make_planet(struct zt_world *planet, const struct zt_identity *id,
                       const struct zt_ctl_endpoints *o, const char *path, const char *key_path)
{
	char ep[MAX_ENDPOINT][ZT_INETADDR_TEXT_MAX + 8], idtext[ZT_IDENTITY_TEXT_MAX];
	struct zt_planet_edit edits[1 + MAX_ENDPOINT];
	uint8_t pub[ZT_IDENTITY_PUB_LEN], secret[ZT_IDENTITY_PRIV_LEN];
	bool explicit, made_key = false;
	int ret = -1;
	size_t n = wanted_endpoints(o, ep, &explicit);
	zt_identity_to_text(id, false, idtext, sizeof(idtext));
	edits[0] = (struct zt_planet_edit){ZT_EDIT_ROOT, idtext};
	for (size_t i = 0; i < n; i++)
		edits[1 + i] = (struct zt_planet_edit){ZT_EDIT_ENDPOINT, ep[i]};
	memset(planet, 0, sizeof((*planet)));
	planet->type = ZT_WORLD_TYPE_PLANET;
	/* the default endpoint is loopback by design: no warning that it is */
	if (zt_planet_apply_edits(planet, edits, 1 + n, explicit) != 0)
		return -1;
	int err = zt_keyfile_load_world_key(key_path, pub, secret);
	if (err == -ENOENT) {
		zt_world_key_generate(pub, secret, zt_sys_random, NULL);
		made_key = true;
	} else if (err) {
		zt_log(ZT_LOG_ERROR, "cannot read the planet's signing key %s: %s", key_path,
		       err == -EBADMSG || err == -EKEYREJECTED ? "damaged" : strerror(-err));
		goto out;
	}
	planet->id = random_world_id();
	planet->ts = (uint64_t)zt_ctl_wall_ms();
	memcpy(planet->updates_key, pub, sizeof(pub));
	if (zt_world_sign(planet, secret) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot sign the planet (a bug: please report it)");
		goto out;
	}
	/* the key first: a planet nobody can update is worse than a key with no planet yet */
	if (made_key && (err = zt_keyfile_save_world_key(key_path, pub, secret)) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot write the planet's signing key %s: %s", key_path,
		       strerror(-err));
		goto out;
	}
	if (write_planet_file(path, planet, pub, true) != 0)
		goto out;
	zt_log(ZT_LOG_INFO,
	       "wrote %s (planet %" PRIu64 ", this node its only root at %s%s): give it to members", path,
	       planet->id, ep[0], n > 1 ? " and more" : "");
	ret = 0;
out:
	zt_wipe(secret, sizeof(secret));
	return ret;
}

static bool same_endpoints(const struct zt_world_root *r, char ep[][ZT_INETADDR_TEXT_MAX + 8], size_t n)
{
	if (r->n_endpoints != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char t[ZT_INETADDR_TEXT_MAX];
		if (zt_inetaddr_format(&r->endpoints[i], t, sizeof(t)) < 0 || strcmp(t, ep[i]) != 0)
			return false;
	}
	return true;
}

/* Later starts: the planet as it is, or its next revision if --endpoint/--bind name other endpoints. */
static int update_planet(struct zt_world *planet, const struct zt_identity *id,
                         const struct zt_ctl_endpoints *o, const char *path, const char *key_path)
{
	static struct zt_world next;
	char ep[MAX_ENDPOINT][ZT_INETADDR_TEXT_MAX + 8], addr[ZT_ADDRESS_TEXT_LEN + 1], old[MAX_ENDPOINT][64];
	struct zt_planet_edit edits[1 + 2 * MAX_ENDPOINT];
	uint8_t pub[ZT_IDENTITY_PUB_LEN], secret[ZT_IDENTITY_PRIV_LEN];
	bool explicit;
	size_t n = wanted_endpoints(o, ep, &explicit), k = 0;
	if (zt_planet_load(path, planet, NULL) != 0)
		return -1;
	zt_address_format(id->address, addr);
	int i = zt_world_find_root(planet, id->address);
	if (i < 0) {
		zt_log(ZT_LOG_WARN,
		       "%s does not name this node (%s) as a root: members must reach the controller through "
		       "its roots",
		       path, addr);
		return 0;
	}
	const struct zt_world_root *me = &planet->roots[i];
	if (!explicit) {
		bool port_ok = false;
		for (unsigned e = 0; e < me->n_endpoints; e++)
			port_ok |= me->endpoints[e].port == o->port;
		if (!port_ok)
			zt_log(ZT_LOG_WARN,
			       "%s names no endpoint with port %u: members will not reach this root (give "
			       "--endpoint IP/%u to update it)",
			       path, (unsigned)o->port, (unsigned)o->port);
		return 0;
	}
	if (same_endpoints(me, ep, n))
		return 0;
	int err = zt_keyfile_load_world_key(key_path, pub, secret);
	if (err) {
		zt_log(ZT_LOG_ERROR,
		       "cannot update %s with the new endpoints: %s: %s (without it the planet cannot "
		       "change: start without --endpoint/--bind)",
		       path, key_path, err == -ENOENT ? "no such file" : "damaged");
		return -1;
	}
	edits[k++] = (struct zt_planet_edit){ZT_EDIT_ROOT, addr};
	for (unsigned e = 0; e < me->n_endpoints; e++) {
		zt_inetaddr_format(&me->endpoints[e], old[e], sizeof(old[e]));
		edits[k++] = (struct zt_planet_edit){ZT_EDIT_REMOVE_ENDPOINT, old[e]};
	}
	for (size_t e = 0; e < n; e++)
		edits[k++] = (struct zt_planet_edit){ZT_EDIT_ENDPOINT, ep[e]};
	next = *planet;
	int ret = -1;
	uint64_t now = (uint64_t)zt_ctl_wall_ms();
	if (zt_planet_apply_edits(&next, edits, k, true) != 0)
		goto out;
	err = zt_world_next_revision(&next, now > planet->ts ? now : planet->ts + 1, NULL, secret);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot sign the next revision of %s with %s: %s", path, key_path,
		       err == -EPERM ? "not the key the planet names for updates" : strerror(-err));
		goto out;
	}
	if (write_planet_file(path, &next, pub, false) != 0)
		goto out;
	*planet = next;
	zt_log(ZT_LOG_INFO,
	       "updated %s: this root is now at %s%s (members take it over when they next talk to it)", path,
	       ep[0], n > 1 ? " and more" : "");
	ret = 0;
out:
	zt_wipe(secret, sizeof(secret));
	return ret;
}

int zt_ctl_planet(const char *home_dir, const struct zt_identity *id, const struct zt_ctl_endpoints *e,
                  struct zt_world *planet)
{
	char path[4096], key_path[4096];
	snprintf(path, sizeof(path), "%s/planet", home_dir);
	snprintf(key_path, sizeof(key_path), "%s/planet.key", home_dir);
	if (access(path, F_OK) != 0)
		return make_planet(planet, id, e, path, key_path);
	return update_planet(planet, id, e, path, key_path);
}
