/* The file, socket and randomness services the subcommands share: whole-file reads with a size
 * limit, atomic replacement of a file (temp file, fsync, rename) with a chosen mode, and getrandom(2). */
#ifndef ZTRUN_SYSIO_H
#define ZTRUN_SYSIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads all of path into a malloc'd buffer, NUL-terminated (the NUL is not counted in *len). 0, -EFBIG if
 * the file is longer than max, -EISDIR, or another -errno from open/read. */
int zt_file_read(const char *path, size_t max, uint8_t **data, size_t *len);

/* Writes data as path's new content, so that path holds either the old or the new bytes whatever happens:
 * a temp file in the same directory, created with mode & ~umask, written, fsync'd, renamed over path, then
 * the directory fsync'd. A symlink is followed (its target is replaced). A path that exists and is not a
 * regular file (a terminal, a pipe, /dev/stdout) cannot be replaced and is written in place. With
 * no_clobber, an existing path is left alone and -EEXIST returned. 0 or -errno; no temp file is left. */
int zt_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool no_clobber);

/* Copies from's content (at most 64 KiB) as to's, atomically and readable by all (0644). 0 or -errno. */
int zt_file_copy(const char *from, const char *to);

/* A TCP socket listening on 127.0.0.1:port (0: any), non-blocking and close-on-exec, SO_REUSEADDR so
 * that connections of an earlier run in TIME_WAIT do not hold the port. The fd, or -errno. */
int zt_tcp_listen_loopback(uint16_t port);

/* The host's resolver configuration, which --fallthrough hands to the shim's resolver. */
#define ZT_HOST_RESOLV_CONF "/etc/resolv.conf"

/* 0 if getrandom(2) works; -errno if not (call once before handing zt_sys_random to the engine). */
int zt_sys_random_check(void);
/* A zt_random_fn over getrandom(2). Must not fail, so it aborts if the kernel refuses after
 * zt_sys_random_check said it would not. */
void zt_sys_random(void *arg, void *buf, size_t len);

#endif
