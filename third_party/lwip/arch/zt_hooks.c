/* The hook table lwIP consults (see zt_hooks.h); empty until a netif module fills it. */
#include "lwip/opt.h"
#include "arch/zt_hooks.h"

struct zt_lwip_route_hooks zt_lwip_route_hooks;
