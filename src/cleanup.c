#include "cleanup.h"

#include <errno.h>
#include <stdlib.h>

/* First version: hooks and atexit only.  Signals arrive with the cleanup
 * issue. */
struct hook {
	void (*fn)(void *);
	void *arg;
};

static struct hook *hooks;
static size_t n_hooks, alloc_hooks;
static int initialized;

static void run_at_exit(void)
{
	cleanup_run();
}

int cleanup_init(void)
{
	if (initialized)
		return 0;
	if (atexit(run_at_exit))
		return -ENOMEM;
	initialized = 1;
	return 0;
}

int cleanup_add_hook(void (*fn)(void *arg), void *arg)
{
	if (n_hooks == alloc_hooks) {
		size_t alloc = alloc_hooks ? 2 * alloc_hooks : 8;
		struct hook *h = realloc(hooks, alloc * sizeof(*h));

		if (!h)
			return -ENOMEM;
		hooks = h;
		alloc_hooks = alloc;
	}
	hooks[n_hooks].fn = fn;
	hooks[n_hooks].arg = arg;
	n_hooks++;
	return 0;
}

void cleanup_run(void)
{
	while (n_hooks > 0) {
		struct hook h = hooks[--n_hooks];

		h.fn(h.arg);
	}
	free(hooks);
	hooks = NULL;
	alloc_hooks = 0;
}

int cleanup_pending_signal(void)
{
	return 0;
}

int cleanup_signal_fd(void)
{
	return -1;
}

void cleanup_check_signal(void)
{
}
