/* lwIP architecture port for ztrun: Linux, gcc/clang, one thread (NO_SYS=1).
 * Types come from stdint/inttypes; errno values are libc's so they can be handed to the app as is. */
#ifndef ZTRUN_LWIP_ARCH_CC_H
#define ZTRUN_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/time.h>

#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE  0
#define BYTE_ORDER            LITTLE_ENDIAN

/* lwIP's own assertions are bugs in ztrun or lwIP: report and abort, never continue corrupted. */
#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                                             \
	do {                                                                                                \
		fprintf(stderr, "ztrun: lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__);    \
		abort();                                                                                    \
	} while (0)

uint32_t zt_lwip_rand(void);
#define LWIP_RAND() zt_lwip_rand()
/* lwIP's heap and pools (lwipopts.h): malloc, within MEM_SIZE in all */
void *zt_lwip_malloc(size_t size);
void zt_lwip_free(void *p);
/* what lwIP's blocks occupy in malloc's chunks, as mallinfo2's uordblks counts them (the test
 * harness leaves them out of its heap check: lwIP's timers move as they fire) */
size_t zt_lwip_heap_chunk_bytes(void);
/* of lwIP's heap, the bytes outside pool elements (sys_arch.c) */
size_t zt_lwip_heap_outside_pools(void);

#endif
