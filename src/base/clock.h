/* clock: the monotonic clock in milliseconds, for deadlines. */
#ifndef XKVM_BASE_CLOCK_H
#define XKVM_BASE_CLOCK_H

#include <stdint.h>

/* Returns CLOCK_MONOTONIC in milliseconds.  Never fails. */
int64_t clock_now_ms(void);

#endif
