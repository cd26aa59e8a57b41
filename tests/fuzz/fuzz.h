/* What the fuzz targets share: an invariant that aborts when broken
 * (libFuzzer keeps the input), and what a decoder's failure must be. */
#ifndef LB_FUZZ_H
#define LB_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__,         \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A decoder that refused its input says why: LB_DECODE (or LB_NOMEM), a
 * message that is not empty and ends inside its buffer. */
static inline void check_failure(const struct lb_error *err)
{
	CHECK(err->status == LB_DECODE || err->status == LB_NOMEM);
	CHECK(memchr(err->message, '\0', sizeof(err->message)) && err->message[0] != '\0');
}

#endif
