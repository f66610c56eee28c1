/* strv: a growable, NULL-terminated vector of owned strings.  Used for
 * qemu's argv and for the token lists of NETDEV and DISK specs. */
#ifndef XKVM_STRV_H
#define XKVM_STRV_H

#include <stddef.h>

struct strv {
	char **v;	/* NULL-terminated once anything was pushed; may be NULL */
	size_t n;	/* entries, not counting the terminator */
	size_t alloc;
};

#define STRV_INIT { NULL, 0, 0 }

/* Appends a copy of 's'.  Returns 0 or -ENOMEM (the vector is unchanged). */
int strv_push(struct strv *sv, const char *s);

/* Appends 's' itself; the vector takes ownership.  Returns 0 or -ENOMEM,
 * 's' freed then; a NULL 's' counts as -ENOMEM, so that
 * strv_push_owned(sv, strdup(x)) needs no check of its own. */
int strv_push_owned(struct strv *sv, char *s);

/* Appends a printf-formatted string.  Returns 0 or -ENOMEM (the vector is
 * unchanged). */
int strv_pushf(struct strv *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends copies of every entry of 'src'.  Returns 0 or -ENOMEM ('sv' may
 * hold a prefix of them then; it still owns what it holds). */
int strv_extend(struct strv *sv, const struct strv *src);

/* Splits 's' at every 'sep' the way bash splits "$x" with IFS=SEP (one
 * non-blank separator): empty fields between separators are kept, one
 * trailing separator makes no empty field, an empty string gives none.
 * Appends the fields to 'sv'.  Returns 0 or -ENOMEM (the fields before the
 * failure stay appended). */
int strv_split(struct strv *sv, const char *s, char sep);

/* Frees every entry and the array, and re-initializes 'sv'.  Accepts NULL. */
void strv_release(struct strv *sv);

/* Returns the joined string (caller frees) or NULL on -ENOMEM. */
char *strv_join(const struct strv *sv, const char *sep);

/* Replaces *dst (freed) with a copy of 'val'.  Returns 0 or -ENOMEM (*dst
 * unchanged). */
int str_set(char **dst, const char *val);

#endif
