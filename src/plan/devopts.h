/* devopts: which options a qemu -device model accepts, decided exactly as
 * the reference's isdevopt: run `QEMU -device MODEL,?` once per model,
 * drop each output line through its first '.', cut it at its first '=',
 * split the rest on whitespace; a token belongs to -device when its part
 * before '=' is one of those words. */
#ifndef XKVM_DEVOPTS_H
#define XKVM_DEVOPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strv.h"

struct devopts_model {
	char *model;
	struct strv words;
};

struct devopts {
	struct strv qemu;		/* the qemu command words (--kvm split) */
	struct devopts_model *models;	/* probed models, the cache */
	size_t n;
};

/* Initializes 'd' to run the command words 'qemu' (copied).  Returns 0 or
 * -ENOMEM (or -EINVAL for an empty command). */
int devopts_init(struct devopts *d, const struct strv *qemu);

/* Returns 1 when 'model' accepts 'token' (its part before '='), 0 when
 * not, -ENOEXEC when the probe command failed, exited non-zero or said
 * "Device 'MODEL' not found" (the reference's "bad device model"), other
 * -errno on system errors.  Runs
 * qemu at most once per model for the life of 'd'. */
int devopts_accepts(struct devopts *d, const char *model, const char *token);

/* Records the words for 'model' from a probe's raw output 'out' (the
 * transformation above), replacing nothing already cached.  Exposed for
 * tests.  Returns 0 or -ENOMEM. */
int devopts_add_output(struct devopts *d, const char *model, const char *out);

/* Frees everything 'd' holds.  Accepts NULL. */
void devopts_release(struct devopts *d);

#endif
