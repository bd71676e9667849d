/* Shared by the controller's fuzz targets and their seed writer: a controller (the spec's controller
 * identity) loaded with a private network (pools, routes, IPv6, rules, tokens), a public one and a few
 * members, whose packets and stores are checked as they happen. */
#ifndef ZTRUN_TESTS_FUZZ_CTL_H
#define ZTRUN_TESTS_FUZZ_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller/controller.h"

#define FUZZ_CTL_NWID_PRIVATE 0x5a198f70327c7184ULL
#define FUZZ_CTL_NWID_PUBLIC  0x5a198f7032e84eb2ULL
#define FUZZ_CTL_MEMBERS      6 /* identities fuzz_ctl_member(0..5); 5 claims member 0's address */

struct fuzz_ctl {
	struct zt_controller *c;
	size_t puts, deletes, sent;
	bool store_fails;
	char last_name[160]; /* the last record stored, and its text (malloc'd) */
	char *last;
	size_t last_len;
};

/* A fresh controller, with the records loaded (aborts if they do not load) or empty. */
void fuzz_ctl_new(struct fuzz_ctl *f, bool with_records);
void fuzz_ctl_free(struct fuzz_ctl *f);
const struct zt_identity *fuzz_ctl_member(unsigned i);
/* The stock request metadata (spec §11.2). */
extern const char fuzz_ctl_md[];

#endif
