/* The controller's records in memory (networks and their members, sorted arrays searched by ID) and their
 * files, written through the host's store callbacks in stock's FileDB layout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"

/* Where key is, or would go, in an array sorted by the key of its entry i, key_at(arr, i); *found says
 * which. */
static size_t sorted_pos(const void *arr, size_t count, uint64_t (*key_at)(const void *, size_t),
                         uint64_t key, bool *found)
{
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint64_t k = key_at(arr, mid);
		if (k == key) {
			*found = true;
			return mid;
		}
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static uint64_t network_id(const void *arr, size_t i)
{
	return ((struct ctl_network *const *)arr)[i]->rec.id;
}

static uint64_t member_address(const void *arr, size_t i)
{
	return ((struct ctl_member *const *)arr)[i]->address;
}

static size_t network_pos(const struct zt_controller *c, uint64_t nwid, bool *found)
{
	return sorted_pos(c->networks, c->network_count, network_id, nwid, found);
}

struct ctl_network *ctl_network_find(struct zt_controller *c, uint64_t nwid)
{
	bool found;
	size_t i = network_pos(c, nwid, &found);
	return found ? c->networks[i] : NULL;
}

/* Grows a pointer array by one slot at `pos`. */
static int insert_slot(void ***arr, size_t *count, size_t *cap, size_t pos, void *item)
{
	if (*count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		void **n = realloc(*arr, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		*arr = n;
		*cap = ncap;
	}
	memmove(*arr + pos + 1, *arr + pos, (*count - pos) * sizeof(**arr));
	(*arr)[pos] = item;
	(*count)++;
	return 0;
}

int ctl_network_insert(struct zt_controller *c, struct ctl_network *n)
{
	bool found;
	size_t i = network_pos(c, n->rec.id, &found);
	if (found)
		return -EEXIST;
	return insert_slot((void ***)&c->networks, &c->network_count, &c->network_cap, i, n);
}

void ctl_network_free(struct ctl_network *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->member_count; i++) {
		ctl_member_free(n->members[i]);
		free(n->members[i]);
	}
	free(n->members);
	ctl_jts_free(n);
	ctl_netrec_free(&n->rec);
	free(n);
}

void ctl_network_remove(struct zt_controller *c, struct ctl_network *n)
{
	bool found;
	size_t i = network_pos(c, n->rec.id, &found);
	if (found && c->networks[i] == n) {
		memmove(c->networks + i, c->networks + i + 1,
		        (c->network_count - i - 1) * sizeof(*c->networks));
		c->network_count--;
	}
	ctl_network_free(n);
}

static size_t member_pos(const struct ctl_network *n, uint64_t address, bool *found)
{
	return sorted_pos(n->members, n->member_count, member_address, address, found);
}

struct ctl_member *ctl_member_find(struct ctl_network *n, uint64_t address)
{
	bool found;
	size_t i = member_pos(n, address, &found);
	return found ? n->members[i] : NULL;
}

int ctl_member_insert(struct ctl_network *n, struct ctl_member *m)
{
	bool found;
	size_t i = member_pos(n, m->address, &found);
	if (found)
		return -EEXIST;
	return insert_slot((void ***)&n->members, &n->member_count, &n->member_cap, i, m);
}

void ctl_member_remove(struct ctl_network *n, struct ctl_member *m)
{
	bool found;
	size_t i = member_pos(n, m->address, &found);
	if (found && n->members[i] == m) {
		memmove(n->members + i, n->members + i + 1, (n->member_count - i - 1) * sizeof(*n->members));
		n->member_count--;
	}
	ctl_member_free(m);
	free(m);
}

bool ctl_ip_taken(const struct ctl_network *n, const struct zt_inetaddr *ip, uint64_t except)
{
	for (size_t i = 0; i < n->member_count; i++) {
		const struct ctl_member *m = n->members[i];
		if (m->address == except)
			continue;
		for (size_t k = 0; k < m->ip_count; k++)
			if (ctl_ip_compare(&m->ips[k], ip) == 0)
				return true;
	}
	return false;
}

/* ---- files ---- */

static int put(struct zt_controller *c, const char *name, cJSON *j)
{
	char *text;
	int rc;
	if (!j)
		return -ENOMEM;
	if (!c->cb.store_put) {
		cJSON_Delete(j);
		return 0;
	}
	text = ctl_json_print(j);
	cJSON_Delete(j);
	if (!text)
		return -ENOMEM;
	rc = c->cb.store_put(c->arg, name, text, strlen(text));
	free(text);
	if (rc < 0) {
		c->counters.store_errors++;
		ctl_log(c, "controller: cannot store %s: %s", name, strerror(-rc));
	}
	return rc < 0 ? rc : 0;
}

int ctl_store_network(struct zt_controller *c, const struct ctl_netrec *r)
{
	char name[64];
	snprintf(name, sizeof(name), "network/%016llx.json", (unsigned long long)r->id);
	return put(c, name, ctl_netrec_to_json(r));
}

int ctl_store_member(struct zt_controller *c, uint64_t nwid, const struct ctl_member *m)
{
	char name[80];
	snprintf(name, sizeof(name), "network/%016llx/member/%010llx.json", (unsigned long long)nwid,
	         (unsigned long long)m->address);
	return put(c, name, ctl_member_to_json(m, nwid));
}

static int del(struct zt_controller *c, const char *name)
{
	int rc;
	if (!c->cb.store_delete)
		return 0;
	rc = c->cb.store_delete(c->arg, name);
	if (rc < 0) {
		c->counters.store_errors++;
		ctl_log(c, "controller: cannot delete %s: %s", name, strerror(-rc));
	}
	return rc < 0 ? rc : 0;
}

int ctl_store_delete_member(struct zt_controller *c, uint64_t nwid, uint64_t address)
{
	char name[80];
	snprintf(name, sizeof(name), "network/%016llx/member/%010llx.json", (unsigned long long)nwid,
	         (unsigned long long)address);
	return del(c, name);
}

/* The record first: a crash in between leaves member files without a network, which the next start
 * ignores (as stock's FileDB does), never a network that lost its members' authorizations silently. */
int ctl_store_delete_network(struct zt_controller *c, uint64_t nwid)
{
	char name[64];
	int rc;
	snprintf(name, sizeof(name), "network/%016llx.json", (unsigned long long)nwid);
	if ((rc = del(c, name)) != 0)
		return rc;
	snprintf(name, sizeof(name), "network/%016llx", (unsigned long long)nwid);
	return del(c, name);
}
