/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz.h - what the libFuzzer targets of tests/fuzz share.
 *
 * Every target defines LLVMFuzzerTestOneInput() and calls one parser of
 * untrusted input through its real API. The same file links two ways:
 * with -fsanitize=fuzzer into a libFuzzer binary (scripts/fuzz.sh), and
 * with tests/fuzz/replay.c into a plain test that replays the checked-in
 * corpus (make test), so regression inputs run under every build.
 *
 * FUZZ_CHECK is the oracle beyond the sanitizers: a property the parser's
 * header promises that does not hold aborts with the file and line.
 */
#ifndef RTDD_TESTS_FUZZ_H
#define RTDD_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional; replay.c calls it when the target defines it. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: fuzz oracle failed: %s\n", \
				__FILE__, __LINE__, #cond);                \
			abort();                                           \
		}                                                          \
	} while (0)

/* A cursor over the input: takes bytes from the front, zeros when empty,
 * so every input is a valid encoding of something. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline void fuzz_take(struct fuzz_in *in, void *dst, size_t len)
{
	size_t k = len < in->n ? len : in->n;

	if (k)
		memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, len - k);
	in->p += k;
	in->n -= k;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v;

	fuzz_take(in, &v, 1);
	return v;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint8_t b[2];

	fuzz_take(in, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint8_t b[4];

	fuzz_take(in, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	uint64_t lo = fuzz_u32(in);

	return lo | (uint64_t)fuzz_u32(in) << 32;
}

/* A NUL-terminated copy of the input (parsers that take C strings, error
 * buffers that must stay terminated). Caller frees; NULL on ENOMEM. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		if (size)
			memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

#endif
