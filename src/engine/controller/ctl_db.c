/* The controller's records in memory (networks and their members, sorted arrays searched by ID) and their
 * files, written through the host's store callbacks in stock's FileDB layout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"

/* Networks and members live in arrays of pointers sorted by ID (a network's ID, a member's address); these
 * find, insert and remove in any such array, reading entry i's key through key_at(arr, i). */
typedef uint64_t key_at_fn(const void *arr, size_t i);

/* Where key is, or would go; *found says which. */
static size_t sorted_pos(const void *arr, size_t count, key_at_fn *key_at, uint64_t key, bool *found)
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

static void *sorted_find(void *const *arr, size_t count, key_at_fn *key_at, uint64_t key)
{
	bool found;
	size_t i = sorted_pos(arr, count, key_at, key, &found);
	return found ? arr[i] : NULL;
}

/* Adds item under key, growing the array; -EEXIST if the key is there already. */
static int sorted_insert(void ***arr, size_t *count, size_t *cap, key_at_fn *key_at, uint64_t key, void *item)
{
	bool found;
	size_t pos = sorted_pos(*arr, *count, key_at, key, &found);
	if (found)
		return -EEXIST;
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

/* Takes item out of the array if it is the one held under key. */
static void sorted_remove(void **arr, size_t *count, key_at_fn *key_at, uint64_t key, const void *item)
{
	bool found;
	size_t i = sorted_pos(arr, *count, key_at, key, &found);
	if (found && arr[i] == item) {
		memmove(arr + i, arr + i + 1, (*count - i - 1) * sizeof(*arr));
		(*count)--;
	}
}

static uint64_t network_id(const void *arr, size_t i)
{
	return ((struct ctl_network *const *)arr)[i]->rec.id;
}

static uint64_t member_address(const void *arr, size_t i)
{
	return ((struct ctl_member *const *)arr)[i]->address;
}

struct ctl_network *ctl_network_find(struct zt_controller *c, uint64_t nwid)
{
	return sorted_find((void *const *)c->networks, c->network_count, network_id, nwid);
}

int ctl_network_insert(struct zt_controller *c, struct ctl_network *n)
{
	return sorted_insert((void ***)&c->networks, &c->network_count, &c->network_cap, network_id, n->rec.id, n);
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
	sorted_remove((void **)c->networks, &c->network_count, network_id, n->rec.id, n);
	ctl_network_free(n);
}

struct ctl_member *ctl_member_find(struct ctl_network *n, uint64_t address)
{
	return sorted_find((void *const *)n->members, n->member_count, member_address, address);
}

int ctl_member_insert(struct ctl_network *n, struct ctl_member *m)
{
	return sorted_insert((void ***)&n->members, &n->member_count, &n->member_cap, member_address, m->address,
	                     m);
}

void ctl_member_remove(struct ctl_network *n, struct ctl_member *m)
{
	sorted_remove((void **)n->members, &n->member_count, member_address, m->address, m);
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

int ctl_store_network(struct zt_controller *c, const struct ctl_netrec *r)
{
	char name[64];
	snprintf(name, sizeof(name), "network/%016llx.json", (unsigned long long)r->id);
	return ctl_store_put(c, name, ctl_netrec_to_json(r));
}

int ctl_store_member(struct zt_controller *c, uint64_t nwid, const struct ctl_member *m)
{
	char name[80];
	snprintf(name, sizeof(name), "network/%016llx/member/%010llx.json", (unsigned long long)nwid,
	         (unsigned long long)m->address);
	return ctl_store_put(c, name, ctl_member_to_json(m, nwid));
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
