/* The interface hooks (hooks_if.c) against a fake service (fake_service.h): getifaddrs, if_* and
 * SIOCGIF* show the service's interfaces, paged in, never the host's.
 * Usage: test_hooks_if /path/to/libztrun-preload.so */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "fake_service.h"

/* getifaddrs, if_* and SIOCGIF* show the service's interfaces, paged in, never the host's. */
static void test_interfaces(void)
{
	struct ifaddrs *ifa = NULL;
	CHECK_MSG(getifaddrs(&ifa) == 0 && ifa, "getifaddrs through the service");
	int n = 0, links = 0, v4 = 0, v6 = 0;
	bool saw_zt4 = false, saw_ll_scope = false, saw_mac = false;
	for (struct ifaddrs *p = ifa; p; p = p->ifa_next, n++) {
		if (!p->ifa_addr)
			continue;
		if (p->ifa_addr->sa_family == AF_PACKET) {
			links++;
			struct sockaddr_ll *ll = (struct sockaddr_ll *)p->ifa_addr;
			saw_mac = saw_mac ||
			          (ll->sll_halen == 6 && ll->sll_addr[0] == 0x32 && ll->sll_ifindex == 2);
		} else if (p->ifa_addr->sa_family == AF_INET) {
			v4++;
			struct sockaddr_in *a = (struct sockaddr_in *)p->ifa_addr,
			                   *m = (struct sockaddr_in *)p->ifa_netmask,
			                   *b = (struct sockaddr_in *)p->ifa_broadaddr;
			if (strcmp(p->ifa_name, "ztfake000") == 0)
				saw_zt4 = a->sin_addr.s_addr == inet_addr("10.147.17.5") &&
				          m->sin_addr.s_addr == inet_addr("255.255.255.0") && b &&
				          b->sin_addr.s_addr == inet_addr("10.147.17.255");
		} else if (p->ifa_addr->sa_family == AF_INET6) {
			v6++;
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)p->ifa_addr;
			if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr))
				saw_ll_scope = a->sin6_scope_id == 2;
		}
	}
	CHECK_MSG(n == 6 && links == 2 && v4 == 2 && v6 == 2, "getifaddrs: every entry of every page");
	CHECK_MSG(saw_zt4, "getifaddrs: IPv4 address, netmask and broadcast");
	CHECK_MSG(saw_ll_scope, "getifaddrs: a link-local address carries its interface as scope");
	CHECK_MSG(saw_mac, "getifaddrs: the link entry carries the MAC and index");
	freeifaddrs(ifa); /* libc's own: our block must be its shape */

	struct if_nameindex *ni = if_nameindex();
	CHECK_MSG(ni && ni[0].if_index == 1 && strcmp(ni[0].if_name, "lo") == 0 && ni[1].if_index == 2 &&
	              strcmp(ni[1].if_name, "ztfake000") == 0 && ni[2].if_index == 0 && !ni[2].if_name,
	          "if_nameindex lists lo and the network");
	if_freenameindex(ni);
	char name[IF_NAMESIZE];
	CHECK_MSG(if_nametoindex("ztfake000") == 2 && if_nametoindex("eth0") == 0 && errno == ENODEV,
	          "if_nametoindex: ours, and ENODEV for the host's");
	CHECK_MSG(if_indextoname(1, name) && strcmp(name, "lo") == 0, "if_indextoname(1) is lo");
	CHECK_MSG(!if_indextoname(7, name) && errno == ENXIO, "if_indextoname of an unknown index: ENXIO");

	int s =
	    socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0); /* any socket: the question is about interfaces */
	struct ifconf ic = {.ifc_len = 0, .ifc_buf = NULL};
	CHECK_MSG(ioctl(s, SIOCGIFCONF, &ic) == 0 && ic.ifc_len == 2 * (int)sizeof(struct ifreq),
	          "SIOCGIFCONF without a buffer: the length needed");
	struct ifreq reqs[4];
	ic.ifc_len = sizeof(reqs);
	ic.ifc_req = reqs;
	CHECK_MSG(ioctl(s, SIOCGIFCONF, &ic) == 0 && ic.ifc_len == 2 * (int)sizeof(struct ifreq) &&
	              strcmp(reqs[0].ifr_name, "lo") == 0 && strcmp(reqs[1].ifr_name, "ztfake000") == 0,
	          "SIOCGIFCONF lists the IPv4 interfaces");
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "ztfake000");
	CHECK_MSG(ioctl(s, SIOCGIFADDR, &r) == 0 &&
	              ((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr == inet_addr("10.147.17.5"),
	          "SIOCGIFADDR");
	CHECK_MSG(ioctl(s, SIOCGIFFLAGS, &r) == 0 && (r.ifr_flags & IFF_UP) && (r.ifr_flags & IFF_BROADCAST),
	          "SIOCGIFFLAGS");
	CHECK_MSG(ioctl(s, SIOCGIFMTU, &r) == 0 && r.ifr_mtu == 2800, "SIOCGIFMTU");
	CHECK_MSG(ioctl(s, SIOCGIFHWADDR, &r) == 0 && (uint8_t)r.ifr_hwaddr.sa_data[0] == 0x32,
	          "SIOCGIFHWADDR");
	CHECK_MSG(ioctl(s, SIOCSIFMTU, &r) < 0 && errno == EPERM, "SIOCSIFMTU: EPERM");
	r.ifr_ifindex = 1;
	CHECK_MSG(ioctl(s, SIOCGIFNAME, &r) == 0 && strcmp(r.ifr_name, "lo") == 0, "SIOCGIFNAME");
	strcpy(r.ifr_name, "eth0");
	CHECK_MSG(ioctl(s, SIOCGIFINDEX, &r) < 0 && errno == ENODEV,
	          "SIOCGIFINDEX of a host interface: ENODEV");
	close(s);
}

int main(int argc, char **argv)
{
	static void (*const tests[])(void) = {
	    test_interfaces,
	    NULL,
	};
	return fake_service_main(argc, argv, tests);
}
