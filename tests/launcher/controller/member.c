/* A minimal ZeroTier member for the controller tests: the real VL1 node and VL2 layer on one UDP socket on
 * 127.0.0.1, given the controller's planet, joining one network, and printing each change of it as a line:
 *   address <10 hex>
 *   network <nwid> <STATUS> rev <r> ips <ip/bits,...|-> routes <target/bits,...|->
 * It stands in for `ztrun NWID -- ...` until the launcher joins networks, so the tests see the controller
 * daemon serve a member over the wire: refusal, authorization, pushes, pool addresses.
 * usage: ztrun_test_ctl_member PLANET NWID [IDENTITY_SECRET]   (runs until killed) */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vl1/crypto.h"
#include "vl1/identity.h"
#include "vl1/node.h"
#include "vl1/world.h"
#include "vl2/vl2.h"

static int sock = -1;

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void rnd(void *arg, void *buf, size_t len)
{
	(void)arg;
	uint8_t *p = buf;
	while (len) {
		ssize_t n = getrandom(p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		}
	}
}

static int wire_send(void *arg, zt_sock_id s, const struct zt_inetaddr *to, const void *data, size_t len,
                     unsigned ttl)
{
	(void)arg, (void)s, (void)ttl;
	struct sockaddr_storage ss;
	socklen_t sl = zt_inetaddr_to_sockaddr(to, &ss);
	if (!sl || ss.ss_family != AF_INET)
		return -EAFNOSUPPORT;
	return sendto(sock, data, len, MSG_DONTWAIT, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
}

static void print_addr(const struct zt_inetaddr *a, bool first)
{
	char t[INET6_ADDRSTRLEN];
	inet_ntop(a->family == ZT_INET_V4 ? AF_INET : AF_INET6, a->ip, t, sizeof(t));
	printf("%s%s/%u", first ? "" : ",", t, a->port);
}

static void network_changed(void *arg, enum zt_vl2_net_op op, const struct zt_vl2_network_info *info)
{
	(void)arg, (void)op;
	printf("network %016" PRIx64 " %s rev %" PRIu64 " ips ", info->nwid, zt_vl2_status_name(info->status),
	       info->revision);
	for (size_t i = 0; i < info->n_addrs; i++)
		print_addr(&info->addrs[i], i == 0);
	printf("%s routes ", info->n_addrs ? "" : "-");
	for (size_t i = 0; i < info->n_routes; i++)
		print_addr(&info->routes[i].target, i == 0);
	printf("%s\n", info->n_routes ? "" : "-");
	fflush(stdout);
}

static void frame_out(void *arg, uint64_t nwid, const uint8_t dst[6], const uint8_t src[6],
                      uint16_t ethertype, uint16_t vlan, const void *payload, size_t len)
{
	(void)arg, (void)nwid, (void)dst, (void)src, (void)ethertype, (void)vlan, (void)payload, (void)len;
}

static int read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	*len = fread(buf, 1, cap, f);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[16384];
	static struct zt_world planet;
	struct zt_identity id;
	size_t len;
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s PLANET NWID [IDENTITY_SECRET]\n", argv[0]);
		return 2;
	}
	uint64_t nwid = strtoull(argv[2], NULL, 16);
	if (zt_crypto_init() != 0 || read_file(argv[1], buf, sizeof(buf), &len) != 0 ||
	    zt_world_parse(&planet, buf, len) != 0) {
		fprintf(stderr, "member: cannot read the planet %s\n", argv[1]);
		return 1;
	}
	if (argc == 4) {
		if (read_file(argv[3], buf, sizeof(buf) - 1, &len) != 0 ||
		    zt_identity_from_text(&id, (char *)buf, len)) {
			fprintf(stderr, "member: cannot read the identity %s\n", argv[3]);
			return 1;
		}
	} else if (zt_identity_generate(&id, rnd, NULL, NULL) != 0) {
		fprintf(stderr, "member: cannot make an identity\n");
		return 1;
	}
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("member: socket");
		return 1;
	}
	static const struct zt_node_callbacks ncb = {
	    .version = ZT_NODE_CALLBACKS_VERSION, .wire_send = wire_send, .random = rnd};
	static const struct zt_vl2_callbacks vcb = {.version = ZT_VL2_CALLBACKS_VERSION,
	                                            .network_changed = network_changed,
	                                            .frame_out = frame_out,
	                                            .random = rnd};
	struct zt_node_config nc;
	zt_node_config_init(&nc);
	nc.identity = &id;
	nc.planet = &planet;
	struct zt_node *node;
	struct zt_vl2 *vl2;
	if (zt_node_new(&node, &ncb, NULL, &nc, now_ms()) != 0 || zt_vl2_new(&vl2, node, &vcb, NULL) != 0) {
		fprintf(stderr, "member: cannot start the node\n");
		return 1;
	}
	char addr[ZT_ADDRESS_TEXT_LEN + 1];
	zt_address_format(id.address, addr);
	printf("address %s\n", addr);
	fflush(stdout);
	if (zt_vl2_join(vl2, nwid, now_ms()) != 0) {
		fprintf(stderr, "member: cannot join %s\n", argv[2]);
		return 1;
	}
	int64_t deadline = zt_node_next_deadline(node);
	for (;;) {
		int64_t now = now_ms();
		if (now >= deadline)
			deadline = zt_node_tick(node, now);
		struct pollfd p = {.fd = sock, .events = POLLIN};
		int wait = (int)(deadline - now_ms());
		if (poll(&p, 1, wait < 0 ? 0 : wait) <= 0)
			continue;
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(sock, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		struct zt_inetaddr fa;
		if (n > 0 && zt_inetaddr_from_sockaddr(&fa, (struct sockaddr *)&from, fl) == 0)
			deadline = zt_node_wire_in(node, 0, &fa, buf, (size_t)n, now_ms());
	}
}
