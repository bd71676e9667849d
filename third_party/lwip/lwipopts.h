/* lwIP options for ztrun: one configuration, NO_SYS=1 inside ztrun's single event-loop thread.
 * Sizes are chosen for throughput between an app on a socketpair and a fast virtual wire. */
#ifndef ZTRUN_LWIPOPTS_H
#define ZTRUN_LWIPOPTS_H

#define NO_SYS                     1
#define LWIP_SOCKET                0
#define LWIP_NETCONN               0
#define SYS_LIGHTWEIGHT_PROT       0
#define LWIP_TIMERS                1

#define LWIP_IPV4                  1
#define LWIP_IPV6                  1
#define LWIP_TCP                   1
#define LWIP_UDP                   1
#define LWIP_UDPLITE               1 /* IPPROTO_UDPLITE sockets (RFC 3828) */
#define LWIP_ICMP                  1
#define LWIP_ICMP6                 1
#define LWIP_ARP                   1
#define LWIP_ETHERNET              1
#define LWIP_IPV6_MLD              1
#define LWIP_IPV6_AUTOCONFIG       0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 0
#define LWIP_IPV6_NUM_ADDRESSES    8 /* link-local + up to 7 of a network's (RFC4193, 6PLANE, pools) */
#define LWIP_IPV6_FRAG             1
#define LWIP_IPV6_REASS            1
#define IPV6_FRAG_COPYHEADER       1 /* 64-bit pointers do not fit in the fragment header */
#define IP_REASSEMBLY              1
#define IP_FRAG                    1
#define LWIP_DHCP                  0
#define LWIP_AUTOIP                0
#define LWIP_IGMP                  1
#define LWIP_DNS                   0
#define LWIP_RAW                   1 /* ICMP echo ("ping") sockets */
/* Router advertisements must not change a netif's MTU: the network's config sets it (netif.c). */
#define LWIP_ND6_ALLOW_RA_UPDATES  0
/* Only the memory counters: pool and heap use (tests assert nothing leaks; exhaustion is counted). */
#define LWIP_STATS                 1
#define MEM_STATS                  1
#define MEMP_STATS                 1
#define LINK_STATS                 0
#define ETHARP_STATS               0
#define IP_STATS                   0
#define IPFRAG_STATS               0
#define ICMP_STATS                 0
#define IGMP_STATS                 0
#define UDP_STATS                  0
#define TCP_STATS                  0
#define SYS_STATS                  0
#define IP6_STATS                  0
#define ICMP6_STATS                0
#define IP6_FRAG_STATS             0
#define MLD6_STATS                 0
#define ND6_STATS                  0
#define LWIP_NETIF_HOSTNAME        0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK   0
#define LWIP_SINGLE_NETIF          0
#define LWIP_CHECKSUM_ON_COPY      1
/* Which checksums a netif checks and makes is its own (netif.c: a ZeroTier netif does not check TCP's
 * and UDP's on frames in, which came in packets whose MAC was verified). */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1

/* The private loopback of `ztrun none`: 127.0.0.1 and ::1 live in lwIP's own loop netif, whose
 * queue is drained from the event loop (netif_poll_all), never re-entrantly. */
#define LWIP_HAVE_LOOPIF           1
#define LWIP_NETIF_LOOPBACK        1
#define LWIP_LOOPBACK_MAX_PBUFS    0
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 0

/* Memory: lwIP's heap (pbufs of outgoing data) and its pools (PCBs, segments, incoming frames,
 * timers) are all the process heap, so they grow with the load and cost nothing idle: the number of
 * connections is bounded by memory, not by a constant (MEMP_NUM_* size nothing then). All of lwIP's
 * memory together is capped at MEM_SIZE (zt_lwip_malloc, arch/sys_arch.c), so what a node's peers can
 * make it hold stays bounded; lwip_stats.mem.used counts every byte, pool elements included. */
#define MEM_LIBC_MALLOC            1
#define MEMP_MEM_MALLOC            1
#define mem_clib_malloc            zt_lwip_malloc
#define mem_clib_free              zt_lwip_free
#define MEM_ALIGNMENT              8
#define MEM_SIZE                   (64 * 1024 * 1024)
#define IP_REASS_MAX_PBUFS         128
/* Pool pbufs carry frames arriving from a virtual wire (ZeroTier MTU 2800 + Ethernet header). */
#define PBUF_POOL_BUFSIZE          LWIP_MEM_ALIGN_SIZE(2800 + 14 + PBUF_LINK_ENCAPSULATION_HLEN)
#define ARP_TABLE_SIZE             64
#define ARP_QUEUEING               1
/* Packets held per neighbour while ARP resolves it, which on ZeroTier may take a multicast gather:
 * enough for a fragmented datagram (a 10000-byte MTU) and the start of a connection. */
#define ARP_QUEUE_LEN              32
#define LWIP_ND6_NUM_NEIGHBORS     64
/* lwIP walks the neighbour and destination caches with an s8_t index: 127 at most, or nd6_tmr loops
 * forever (it did, at 128). */
#define LWIP_ND6_NUM_DESTINATIONS  64
#define LWIP_ND6_QUEUEING          1

/* TCP: a large MSS for the loopback netif (MTU 0 = no limit; real netifs clamp the effective MSS to
 * their MTU), window scaling so one connection can keep 512 KiB in flight. */
#define TCP_MSS                    8192
#define LWIP_WND_SCALE             1
#define TCP_RCV_SCALE              5
#define TCP_WND                    (64 * TCP_MSS)
#define TCP_SND_BUF                (64 * TCP_MSS)
#define TCP_SND_QUEUELEN           (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT               (2 * TCP_MSS) /* lwIP keeps it in a u16 */
#define TCP_OVERSIZE               TCP_MSS
#define TCP_QUEUE_OOSEQ            1
#define TCP_LISTEN_BACKLOG         1
#define TCP_DEFAULT_LISTEN_BACKLOG 128
#define LWIP_TCP_KEEPALIVE         1
#define LWIP_TCP_TIMESTAMPS        1
#define TCP_CALCULATE_EFF_SEND_MSS 1
/* As a receiver, tell the sender which segments arrived beyond a hole (SACK, RFC 2018): a stock peer's
 * Linux TCP then repairs losses at once. Without it, on an underlay that loses and reorders datagrams,
 * Linux took the reordering for loss it must not act on, waited for timeouts it doubled up to 120 s,
 * and 10 MiB from a stock node through 20% loss did not arrive in 16 minutes; with it, 2.3 s (with
 * ZTRUN_TCP_SMALL_SEGMENTS=1) or 14.5 s. lwIP's sender does not read SACK blocks. */
#define LWIP_TCP_SACK_OUT          1
/* lwIP's TCP timers: the fast one (delayed ACKs) each TCP_TMR_INTERVAL, the slow one (retransmission
 * timeouts, counted in its ticks) each 2 * TCP_TMR_INTERVAL. lwIP's default of 250 ms made every
 * timeout at least 0.5-1 s and, doubled per retry, tens of seconds under heavy loss: 10 MiB took
 * 510 s through 5% loss (75 s at 25 ms, 28 s at 5 ms). At 10 ms a delayed ACK also waits at most
 * 10 ms (an app waiting for an answer behind Nagle on the peer; Linux's bound is 40 ms). The timer
 * runs only while connections exist. Floors on the timeouts: stack.c. */
#define TCP_TMR_INTERVAL           10
#define SO_REUSE                   1
#define LWIP_CALLBACK_API          1

/* Routing across the netifs of joined networks (addresses with prefix lengths, routes via gateways)
 * is decided by src/engine/stack/route.c through these hooks; with no such netif they say nothing. */
#define LWIP_HOOK_FILENAME                    "arch/zt_hooks.h"
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest)    zt_lwip_hook_ip4_route(src, dest)
#define LWIP_HOOK_ETHARP_GET_GW(netif, dest)  zt_lwip_hook_ip4_gateway(netif, dest)
#define LWIP_HOOK_IP6_ROUTE(src, dest)        zt_lwip_hook_ip6_route(src, dest)
#define LWIP_HOOK_ND6_GET_GW(netif, dest)     zt_lwip_hook_ip6_gateway(netif, dest)
/* The MSS a connection advertises in its SYN (lwIP takes it from TCP_MSS and the netif's MTU alone):
 * src/engine/stack/tcp.c lowers it where its segments are kept to one ZeroTier datagram. */
#define LWIP_HOOK_TCP_OUT_ADD_TCPOPTS(p, hdr, pcb, opts) zt_lwip_hook_tcp_opts(p, hdr, pcb, opts)

#define LWIP_NETIF_TX_SINGLE_PBUF  0
#define LWIP_DEBUG                 0

#endif
