// SPDX-License-Identifier: MIT
/* util: histogram buckets and percentiles, JSON escaping, SVG output. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtdd/hist.h"
#include "rtdd/json.h"
#include "rtdd/numlist.h"
#include "rtdd/rt.h"
#include "rtdd/svgplot.h"

static void test_hist_index_monotonic(void **state)
{
	(void)state;
	unsigned prev = 0;

	/* every value lands in a bucket whose upper edge is >= it and within
	 * 1/32 of it; indexes never go backwards */
	for (uint64_t v = 0; v < (1ull << 40);
	     v = v < 5000 ? v + 1 : v + v / 97) {
		unsigned i = rtdd_hist_index(v);
		uint64_t up = rtdd_hist_bucket_upper(i);

		assert_true(i >= prev);
		assert_true(i < RTDD_HIST_BUCKETS);
		assert_true(up >= v);
		assert_true(up - v <= v / 32 + 1);
		prev = i;
	}
}

static void test_hist_percentiles(void **state)
{
	(void)state;
	struct rtdd_hist *h = malloc(sizeof(*h));

	rtdd_hist_init(h);
	assert_int_equal(rtdd_hist_pct(h, 50), 0);
	for (uint64_t v = 1; v <= 100000; v++)
		rtdd_hist_add(h, v);
	assert_int_equal(h->count, 100000);
	assert_int_equal(h->min, 1);
	assert_int_equal(h->max, 100000);
	uint64_t p50 = rtdd_hist_pct(h, 50), p99 = rtdd_hist_pct(h, 99);
	assert_true(p50 >= 50000 && p50 <= 50000 + 50000 / 32);
	assert_true(p99 >= 99000 && p99 <= 99000 + 99000 / 32);
	assert_int_equal(rtdd_hist_pct(h, 100), 100000);
	assert_int_equal(rtdd_hist_pct(h, 0), 1);
	assert_true(rtdd_hist_count_above(h, 90000) >= 9000);
	assert_true(rtdd_hist_count_above(h, 90000) <= 10000 + 3000);

	struct rtdd_hist *g = malloc(sizeof(*g));
	rtdd_hist_init(g);
	rtdd_hist_add(g, 7);
	rtdd_hist_add(g, 1ull << 50); /* beyond the top: clamped bucket */
	rtdd_hist_merge(h, g);
	assert_int_equal(h->count, 100002);
	assert_int_equal(h->max, 1ull << 50);
	free(g);
	free(h);
}

static void test_json_escape(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct rtdd_json j;

	rtdd_json_init(&j, f, false);
	rtdd_json_obj_begin(&j, NULL);
	rtdd_json_str(&j, "a\"b", "x\n\x01y");
	rtdd_json_arr_begin(&j, "l");
	rtdd_json_u64(&j, NULL, 1);
	rtdd_json_dbl(&j, NULL, 0.0 / 0.0);
	rtdd_json_arr_end(&j);
	rtdd_json_obj_end(&j);
	fclose(f);
	assert_string_equal(buf,
			    "{\"a\\\"b\":\"x\\n\\u0001y\",\"l\":[1,null]}");
	free(buf);
}

static void test_svg(void **state)
{
	(void)state;
	struct rtdd_hist *h = malloc(sizeof(*h));
	char path[] = "/tmp/rtdd-svg-XXXXXX";
	int fd = mkstemp(path);
	struct rtdd_plot_series s[2] = {{"a", h}, {"empty", NULL}};
	char buf[256];
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	rtdd_hist_init(h);
	assert_int_equal(rtdd_svg_percentiles(path, "t", s, 1), -EINVAL);
	for (int i = 1; i < 1000; i++)
		rtdd_hist_add(h, (uint64_t)i * 100);
	assert_int_equal(rtdd_svg_percentiles(path, "t<&>", s, 2), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_non_null(strstr(buf, "<svg"));
	while (fgets(buf, sizeof(buf), f))
		assert_null(strstr(buf, "<&>"));
	fclose(f);
	unlink(path);
	free(h);
}

/* Kernel RT throttling: what a polling SCHED_FIFO thread is told. */
static void test_rt_throttle(void **state)
{
	struct rtdd_rt_report rep = {.cpu = 0,
				     .fifo_prio = 50,
				     .dma_latency_fd = -1,
				     .rt_runtime_us = 950000,
				     .rt_period_us = 1000000};
	char buf[256];
	long rt = 0, per = 0;

	(void)state;
	assert_true(rtdd_rt_throttled(&rep));
	rtdd_rt_describe(&rep, buf, sizeof(buf));
	assert_non_null(strstr(buf, "SCHED_FIFO 50"));
	assert_non_null(strstr(buf, "RT throttling 950000/1000000 us"));
	rep.rt_runtime_us = -1; /* off */
	assert_false(rtdd_rt_throttled(&rep));
	rtdd_rt_describe(&rep, buf, sizeof(buf));
	assert_non_null(strstr(buf, "RT throttling off"));
	rep.rt_runtime_us = 1000000; /* the whole period: never stopped */
	assert_false(rtdd_rt_throttled(&rep));
	rep.rt_runtime_us = 950000;
	rep.fifo_prio = 0; /* not FIFO: throttling does not apply */
	assert_false(rtdd_rt_throttled(&rep));
	rtdd_rt_describe(&rep, buf, sizeof(buf));
	assert_null(strstr(buf, "throttling"));
	rep.fifo_prio = 50;
	rep.rt_runtime_us = rep.rt_period_us = 0; /* unread */
	assert_false(rtdd_rt_throttled(&rep));

	if (rtdd_rt_throttle(&rt, &per)) {
		print_message(
			"SKIP: /proc/sys/kernel/sched_rt_*_us unreadable\n");
		return;
	}
	assert_true(per > 0);
	assert_true(rt == -1 || (rt >= 0 && rt <= per));
}

/* Number lists (the parser's cases are in test_netif_req and its fuzz
 * target): runs become ranges, the text parses back to the same list,
 * and a buffer too small is refused. */
static void test_numlist_fmt(void **state)
{
	uint32_t v[300], back[300];
	char buf[64];
	unsigned n, i;

	(void)state;
	for (i = 0; i < 256; i++)
		v[i] = 8 + i;
	assert_int_equal(rtdd_numlist_fmt(v, 256, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "8-263");
	v[0] = 5;
	v[1] = 7;
	v[2] = 8;
	v[3] = 9;
	v[4] = UINT32_MAX;
	v[5] = 0;
	v[6] = 3;
	v[7] = 3;
	assert_int_equal(rtdd_numlist_fmt(v, 8, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "5,7-9,4294967295,0,3,3");
	assert_int_equal(rtdd_numlist_parse(buf, strlen(buf), back, 300, &n),
			 0);
	assert_int_equal(n, 8);
	assert_memory_equal(back, v, 8 * sizeof(v[0]));
	assert_int_equal(rtdd_numlist_fmt(v, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(rtdd_numlist_fmt(v, 8, buf, 10), -ENOSPC);
	assert_int_equal(rtdd_numlist_fmt(v, 8, buf, 0), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_index_monotonic),
		cmocka_unit_test(test_hist_percentiles),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_rt_throttle),
		cmocka_unit_test(test_numlist_fmt),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
