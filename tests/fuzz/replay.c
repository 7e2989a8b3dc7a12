// SPDX-License-Identifier: MIT
/*
 * Replays inputs through a libFuzzer target without libFuzzer. Linked with
 * one tests/fuzz/fuzz_*.c into $(O)/tests/test_fuzz_<name>, it runs in
 * `make test` (every compiler, SAN= builds, valgrind), so the checked-in
 * corpus of tests/fuzz/corpus/fuzz_<name>/ is exercised on each build.
 *
 *   test_fuzz_<name>                  replays tests/fuzz/corpus/fuzz_<name>
 *   test_fuzz_<name> FILE|DIR ...     replays those (reproduce a crash)
 *
 * One cmocka test per kind of input, by file name: seed-* (mkseeds.py),
 * regress-* (inputs that once crashed or broke an oracle), cov-* (what
 * fuzzing runs kept for new coverage, libFuzzer -merge), and anything else
 * given on the command line. Each input's name is printed before it runs,
 * so the last name in the log is the one that crashed. RTDD_FUZZ_CORPUS
 * overrides the default directory. No input at all is a failure: a replay
 * that replays nothing proves nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fuzz.h"

/* Defined by the targets that need one-time setup. */
extern int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

enum kind { K_SEED, K_REGRESS, K_COV, K_OTHER, K_COUNT };

static const char *const kind_prefix[K_COUNT] = {"seed-", "regress-", "cov-",
						 ""};

struct group {
	char **paths;
	size_t n, cap;
};

static struct group groups[K_COUNT];

static void replay_file(const char *path)
{
	uint8_t *buf = NULL;
	long len;
	FILE *f = fopen(path, "rb");

	printf("replay %s\n", path);
	fflush(stdout);
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	/* Exactly len bytes, so a read past the input is a heap overflow. */
	buf = malloc(len ? (size_t)len : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
}

static void replay_group(void **state)
{
	const struct group *g = *state;

	for (size_t i = 0; i < g->n; i++)
		replay_file(g->paths[i]);
	printf("%zu inputs replayed\n", g->n);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add(const char *path)
{
	const char *base = strrchr(path, '/');
	struct group *g;
	int k;

	base = base ? base + 1 : path;
	for (k = 0; k < K_OTHER; k++)
		if (!strncmp(base, kind_prefix[k], strlen(kind_prefix[k])))
			break;
	g = &groups[k];
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		g->paths = realloc(g->paths, g->cap * sizeof(*g->paths));
		if (!g->paths)
			abort();
	}
	g->paths[g->n] = strdup(path);
	if (!g->paths[g->n++])
		abort();
}

static int add_path(const char *path)
{
	struct stat st;
	struct dirent *e;
	DIR *d;

	if (stat(path, &st)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		add(path);
		return 0;
	}
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char full[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
		if (!stat(full, &st) && S_ISREG(st.st_mode))
			add(full);
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const names[K_COUNT] = {"seeds", "regressions",
						   "coverage_corpus", "inputs"};
	struct CMUnitTest tests[K_COUNT];
	const char *base = strrchr(argv[0], '/');
	size_t nt = 0, total = 0;
	char def[4096];
	int rc;

	base = base ? base + 1 : argv[0];
	if (!strncmp(base, "test_", 5))
		base += 5;
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (add_path(argv[i]))
				return 1;
	} else {
		const char *env = getenv("RTDD_FUZZ_CORPUS");

		if (env)
			snprintf(def, sizeof(def), "%s", env);
		else
			snprintf(def, sizeof(def), "%s/tests/fuzz/corpus/%s",
				 SRCDIR, base);
		if (add_path(def))
			return 1;
	}
	for (int k = 0; k < K_COUNT; k++) {
		if (!groups[k].n)
			continue;
		qsort(groups[k].paths, groups[k].n, sizeof(char *), cmp_str);
		tests[nt++] = (struct CMUnitTest){.name = names[k],
						  .test_func = replay_group,
						  .initial_state = &groups[k]};
		total += groups[k].n;
	}
	if (!total) {
		fprintf(stderr, "%s: no inputs to replay\n", base);
		return 1;
	}
	rc = _cmocka_run_group_tests(base, tests, nt, NULL, NULL);
	for (int k = 0; k < K_COUNT; k++) {
		for (size_t i = 0; i < groups[k].n; i++)
			free(groups[k].paths[i]);
		free(groups[k].paths);
	}
	return rc;
}
