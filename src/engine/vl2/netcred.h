/* The NETWORK_CREDENTIALS payload (spec §6.4): COMs, then counted capabilities, tags, revocations and
 * COOs, each part after the COMs optional. A reader that hands out records one by one, and the writer. */
#ifndef ZTRUN_VL2_NETCRED_H
#define ZTRUN_VL2_NETCRED_H

#include <stddef.h>

#include "vl1/wire.h"
#include "vl2/com.h"
#include "vl2/credentials.h"

/* Called for each record in wire order; any may be NULL to skip that kind. A non-zero return stops the
 * walk and is returned (e.g. to hold the packet while the signer is WHOISed). The record is valid only
 * during the call. Records of different networks may share one payload. */
struct zt_netcred_visitor {
	int (*com)(void *arg, const struct zt_com *com);
	int (*capability)(void *arg, const struct zt_capability *cap);
	int (*tag)(void *arg, const struct zt_tag *tag);
	int (*revocation)(void *arg, const struct zt_revocation *rev);
	int (*coo)(void *arg, const struct zt_coo *coo);
};

/* Walks a payload. 0 when it ended after a complete part (old senders stop after the COMs' 0x00),
 * -EBADMSG at the first malformed record (the ones before it were already visited), or a visitor's
 * non-zero return. */
int zt_netcred_read(const void *payload, size_t len, const struct zt_netcred_visitor *v, void *arg);

/* What to push: any count may be 0 (and its array NULL). */
struct zt_netcred {
	const struct zt_com *coms;
	size_t com_count;
	const struct zt_capability *capabilities;
	size_t capability_count;
	const struct zt_tag *tags;
	size_t tag_count;
	const struct zt_revocation *revocations;
	size_t revocation_count;
	const struct zt_coo *coos;
	size_t coo_count;
};

/* Writes every part, counts included (the stock push form; a revocation push is
 * [00][0000][0000][0001][revocation][0000]). 0, -ENOSPC (w->bad), or -EINVAL if a count exceeds 65535. */
int zt_netcred_write(const struct zt_netcred *c, struct zt_wr *w);

#endif
