/* SPDX-License-Identifier: MIT */
/*
 * rtdd/json.h - a small streaming JSON writer for reports and benchmark
 * results. Keys and strings are escaped; nesting up to 32 levels. Output
 * goes to a FILE; errors of the FILE are the caller's to check (ferror).
 */
#ifndef RTDD_JSON_H
#define RTDD_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rtdd/hist.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rtdd_json {
	FILE *f;
	int depth;
	bool need_comma[32];
	bool pretty;
};

void rtdd_json_init(struct rtdd_json *j, FILE *f, bool pretty);
/* key is NULL inside arrays and at top level. */
void rtdd_json_obj_begin(struct rtdd_json *j, const char *key);
void rtdd_json_obj_end(struct rtdd_json *j);
void rtdd_json_arr_begin(struct rtdd_json *j, const char *key);
void rtdd_json_arr_end(struct rtdd_json *j);
void rtdd_json_str(struct rtdd_json *j, const char *key, const char *val);
void rtdd_json_u64(struct rtdd_json *j, const char *key, uint64_t val);
void rtdd_json_i64(struct rtdd_json *j, const char *key, int64_t val);
/* Non-finite values are written as null. */
void rtdd_json_dbl(struct rtdd_json *j, const char *key, double val);
void rtdd_json_bool(struct rtdd_json *j, const char *key, bool val);
void rtdd_json_null(struct rtdd_json *j, const char *key);
/* {"count":..,"min_ns":..,"p50_ns":..,"p90_ns":..,"p99_ns":..,
 *  "p99_9_ns":..,"p99_99_ns":..,"max_ns":..,"mean_ns":..} */
void rtdd_json_hist(struct rtdd_json *j, const char *key,
		    const struct rtdd_hist *h);
/* Write a string with JSON escapes (no quotes). */
void rtdd_json_escape(FILE *f, const char *s);

#ifdef __cplusplus
}
#endif
#endif
