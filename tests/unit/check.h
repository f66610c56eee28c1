/* check.h: the unit tests' assertions.  Each failed check prints what was
 * expected and what came, with its location; check_summary() prints the
 * closing "N passed, N failed" line and returns the exit status. */
#ifndef XKVM_CHECK_H
#define XKVM_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
	if (cond) { check_passed++; } else { check_failed++; \
		fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_INT(expected, actual) do { \
	long long e_ = (long long)(expected), a_ = (long long)(actual); \
	if (e_ == a_) { check_passed++; } else { check_failed++; \
		fprintf(stderr, "%s:%d: FAIL: %s\n  expected: %lld\n  actual:   %lld\n", \
			__FILE__, __LINE__, #actual, e_, a_); } \
} while (0)

#define CHECK_STR(expected, actual) do { \
	const char *e_ = (expected), *a_ = (actual); \
	if ((!e_ && !a_) || (e_ && a_ && !strcmp(e_, a_))) { check_passed++; } else { \
		check_failed++; \
		fprintf(stderr, "%s:%d: FAIL: %s\n  expected: '%s'\n  actual:   '%s'\n", \
			__FILE__, __LINE__, #actual, e_ ? e_ : "(null)", a_ ? a_ : "(null)"); } \
} while (0)

static inline int check_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
