#include "spawn.h"

#include "sandbox.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the child writes to the status pipe when it cannot exec. */
struct spawn_failure {
	int step;
	int err;
};

bool zt_spawn_can_clear_bounding_set(void)
{
	if (capng_get_caps_process() < 0)
		return false;
	return capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
}

static int drop_caps(void)
{
	bool clear_bounding = zt_spawn_can_clear_bounding_set();

	/* Ambient capabilities would survive exec; clearing them needs no privilege. EINVAL: a kernel
	 * older than 4.3 has none. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	capng_clear(CAPNG_SELECT_BOTH);
	/* capng_apply clears the bounding set first, while CAP_SETPCAP is still effective; left alone,
	 * the bounding set would hand a uid-0 exec every capability straight back. */
	errno = 0;
	if (capng_apply(clear_bounding ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS) < 0)
		return errno ? -errno : -EPERM;
	return 0;
}

static char *caps_of(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *text = NULL;
	if (fd < 0)
		return NULL;
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_get_caps_fd(fd) == 0 && capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
		text = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_PERMITTED);
	close(fd);
	return text;
}

char *zt_spawn_file_caps(const char *cmd)
{
	if (strchr(cmd, '/'))
		return caps_of(cmd);
	const char *dirs = getenv("PATH");
	if (!dirs || !dirs[0])
		dirs = "/bin:/usr/bin";
	for (const char *p = dirs; *p;) {
		size_t n = strcspn(p, ":");
		char path[4096];
		struct stat st;
		/* an empty entry is the current directory, as for execvp */
		snprintf(path, sizeof(path), "%.*s%s%s", (int)n, p, n ? "/" : "", cmd);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			return caps_of(path);
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

static int set_env(const struct zt_spawn *sp)
{
	const char *old = getenv("LD_PRELOAD");
	size_t len = strlen(sp->preload) + (old ? strlen(old) : 0) + 2;
	char *value = malloc(len);
	int ret = 0;

	if (!value)
		return -ENOMEM;
	/* ld.so splits LD_PRELOAD at spaces and colons; the shim comes first so its hooks win. */
	if (old && old[0])
		snprintf(value, len, "%s:%s", sp->preload, old);
	else
		snprintf(value, len, "%s", sp->preload);
	if (setenv("LD_PRELOAD", value, 1) < 0 || setenv("ZT_NC_NETWORK", sp->nc_network, 1) < 0)
		ret = -errno;
	free(value);
	return ret;
}

static void write_failure(int fd, enum zt_spawn_step step, int err)
{
	struct spawn_failure f = {.step = (int)step, .err = err};
	ssize_t n;

	do
		n = write(fd, &f, sizeof(f));
	while (n < 0 && errno == EINTR);
}

int zt_spawn_raise_nofile(struct rlimit *was)
{
	if (getrlimit(RLIMIT_NOFILE, was) < 0)
		return -1;
	struct rlimit raised = {.rlim_cur = was->rlim_max, .rlim_max = was->rlim_max};
	if (raised.rlim_cur != was->rlim_cur)
		setrlimit(RLIMIT_NOFILE, &raised); /* no raise only leaves the limit as it was */
	return 0;
}

/* Runs in the child; returns only on failure. */
static void child_exec(const struct zt_spawn *sp, int status_fd, pid_t parent, bool need_nnp)
{
	int ret;

	/* Before anything that may fail, so what execs inherits ztrun's original mask. */
	if (sigprocmask(SIG_SETMASK, sp->sigmask, NULL) < 0) {
		write_failure(status_fd, ZT_SPAWN_FORK, -errno);
		return;
	}
	/* COMMAND must not outlive ztrun (its network dies with it), even when ztrun is killed with
	 * SIGKILL. The signal survives exec, except of a set-user-ID or set-group-ID program or one with
	 * file capabilities, which the kernel clears it for. If ztrun died before this, nothing sends it:
	 * hence the getppid() check after. ztrun forks from its only thread, so the thread that set it
	 * lives as long as ztrun does. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
		write_failure(status_fd, ZT_SPAWN_FORK, -errno);
		return;
	}
	if (getppid() != parent)
		_exit(127);
	if (sp->nofile && setrlimit(RLIMIT_NOFILE, sp->nofile) < 0) {
		write_failure(status_fd, ZT_SPAWN_FORK, -errno);
		return;
	}
	ret = set_env(sp);
	if (ret) {
		write_failure(status_fd, ZT_SPAWN_ENV, ret);
		return;
	}
	/* Before the capabilities go: with CAP_SYS_ADMIN no no_new_privs is needed. */
	if (sp->sandbox) {
		ret = zt_sandbox_child(sp->sandbox_sock, need_nnp);
		if (ret) {
			write_failure(status_fd, ZT_SPAWN_SANDBOX, ret);
			return;
		}
	}
	if (sp->drop_caps) {
		ret = drop_caps();
		if (ret) {
			write_failure(status_fd, ZT_SPAWN_CAPS, ret);
			return;
		}
	}
	execvp(sp->argv[0], sp->argv);
	write_failure(status_fd, ZT_SPAWN_EXEC, -errno);
}

int zt_spawn(const struct zt_spawn *sp, pid_t *pid, enum zt_spawn_step *step)
{
	struct spawn_failure f;
	int fds[2], ret = 0;
	pid_t child;
	ssize_t n;

	/* read in the parent: the child does as little as it can before exec */
	bool need_nnp = sp->sandbox && !zt_sandbox_may_skip_nnp();
	*step = ZT_SPAWN_FORK;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid_t self = getpid();
	child = fork();
	if (child < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (child == 0) {
		close(fds[0]);
		child_exec(sp, fds[1], self, need_nnp);
		_exit(127);
	}
	close(fds[1]);
	/* EOF: the exec succeeded and closed the write end. */
	do
		n = read(fds[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n == (ssize_t)sizeof(f)) {
		*step = (enum zt_spawn_step)f.step;
		ret = f.err < 0 ? f.err : -EIO;
	} else if (n != 0) {
		/* Cannot tell whether the exec happened: make sure nothing runs that we do not track. */
		ret = n < 0 ? -errno : -EIO;
		kill(child, SIGKILL);
	}
	if (ret) {
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
		return ret;
	}
	*pid = child;
	return 0;
}
