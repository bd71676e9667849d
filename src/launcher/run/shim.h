/* The preload shim (target ztrun_preload), embedded whole in this binary by shim_blob.S so that ztrun
 * is one file; run writes it into the runtime directory for LD_PRELOAD. */
#ifndef ZTRUN_SHIM_H
#define ZTRUN_SHIM_H

#define ZT_SHIM_NAME "libztrun-preload.so"

__attribute__((visibility("hidden"))) extern const unsigned char zt_shim_start[];
__attribute__((visibility("hidden"))) extern const unsigned char zt_shim_end[];

#endif
