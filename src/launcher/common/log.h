/* ztrun's own messages on stderr, one line each, "ztrun: what failed: why (hint)". Only *_main
 * functions log; the app's stdout and stderr are never written. */
#ifndef ZTRUN_LOG_H
#define ZTRUN_LOG_H

enum zt_log_level { ZT_LOG_ERROR, ZT_LOG_WARN, ZT_LOG_INFO, ZT_LOG_DEBUG };

/* Parses "error", "warn", "info" or "debug". Returns 0 or -EINVAL. */
int zt_log_parse_level(const char *s, enum zt_log_level *out);
void zt_log_set_level(enum zt_log_level level);
enum zt_log_level zt_log_get_level(void);

/* Writes "ztrun: <message>\n" with one write(2) if level is enabled; keeps errno. */
void zt_log(enum zt_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
