/* The hook tables lwIP consults (see zt_hooks.h); empty until ztrun's stack fills them. */
#include "lwip/opt.h"
#include "arch/zt_hooks.h"
#include "lwip/def.h"
#include "lwip/prot/tcp.h"

struct zt_lwip_route_hooks zt_lwip_route_hooks;
struct zt_lwip_tcp_hooks zt_lwip_tcp_hooks;

/* A SYN's options start with the MSS option when lwIP sends one (tcp_output_segment writes it first:
 * kind 2, length 4, the value), so a SYN whose first option is that gets its value lowered as syn_mss
 * says. Other segments and options are left as they are. */
u32_t *zt_lwip_hook_tcp_opts(struct pbuf *p, struct tcp_hdr *hdr, const struct tcp_pcb *pcb, u32_t *opts)
{
	(void)p;
	u8_t *o = (u8_t *)(hdr + 1);
	if (!zt_lwip_tcp_hooks.syn_mss || !pcb || !(TCPH_FLAGS(hdr) & TCP_SYN) || (u8_t *)opts < o + 4 ||
	    o[0] != 2 || o[1] != 4)
		return opts;
	u16_t mss = (u16_t)(o[2] << 8 | o[3]), want = zt_lwip_tcp_hooks.syn_mss(pcb, mss);
	if (want < mss) {
		o[2] = (u8_t)(want >> 8);
		o[3] = (u8_t)want;
	}
	return opts;
}
