#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum zt_log_level log_level = ZT_LOG_WARN;

static const char *const level_names[] = {
    [ZT_LOG_ERROR] = "error",
    [ZT_LOG_WARN] = "warn",
    [ZT_LOG_INFO] = "info",
    [ZT_LOG_DEBUG] = "debug",
};

int zt_log_parse_level(const char *s, enum zt_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum zt_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void zt_log_set_level(enum zt_log_level level)
{
	log_level = level;
}

enum zt_log_level zt_log_get_level(void)
{
	return log_level;
}

void zt_log(enum zt_log_level level, const char *fmt, ...)
{
	char line[1024];
	int saved_errno = errno;
	va_list ap;
	int len;

	if (level > log_level)
		return;
	len = snprintf(line, sizeof(line), "ztrun: ");
	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - (size_t)len - 1, fmt, ap);
	va_end(ap);
	/* A message longer than the buffer is cut, but still ends its line: one write keeps lines whole
	 * when the app writes to the same stderr. */
	if (len > (int)sizeof(line) - 2)
		len = (int)sizeof(line) - 2;
	line[len++] = '\n';
	for (const char *p = line; len > 0;) {
		ssize_t n = write(STDERR_FILENO, p, (size_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (int)n;
	}
	errno = saved_errno;
}
