// SPDX-License-Identifier: MIT
#include <math.h>

#include "rtdd/json.h"

void rtdd_json_init(struct rtdd_json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
	j->pretty = pretty;
}

void rtdd_json_escape(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
}

static void prefix(struct rtdd_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (j->pretty && j->depth > 0) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	if (key) {
		fputc('"', j->f);
		rtdd_json_escape(j->f, key);
		fputs(j->pretty ? "\": " : "\":", j->f);
	}
}

static void open_(struct rtdd_json *j, const char *key, char c)
{
	prefix(j, key);
	fputc(c, j->f);
	if (j->depth < 31)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct rtdd_json *j, char c)
{
	bool had = j->need_comma[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (j->pretty && had) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
	if (j->depth == 0 && j->pretty)
		fputc('\n', j->f);
}

void rtdd_json_obj_begin(struct rtdd_json *j, const char *key)
{
	open_(j, key, '{');
}

void rtdd_json_obj_end(struct rtdd_json *j)
{
	close_(j, '}');
}

void rtdd_json_arr_begin(struct rtdd_json *j, const char *key)
{
	open_(j, key, '[');
}

void rtdd_json_arr_end(struct rtdd_json *j)
{
	close_(j, ']');
}

void rtdd_json_str(struct rtdd_json *j, const char *key, const char *val)
{
	prefix(j, key);
	if (!val) {
		fputs("null", j->f);
		return;
	}
	fputc('"', j->f);
	rtdd_json_escape(j->f, val);
	fputc('"', j->f);
}

void rtdd_json_u64(struct rtdd_json *j, const char *key, uint64_t val)
{
	prefix(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void rtdd_json_i64(struct rtdd_json *j, const char *key, int64_t val)
{
	prefix(j, key);
	fprintf(j->f, "%lld", (long long)val);
}

void rtdd_json_dbl(struct rtdd_json *j, const char *key, double val)
{
	prefix(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.6g", val);
	else
		fputs("null", j->f);
}

void rtdd_json_bool(struct rtdd_json *j, const char *key, bool val)
{
	prefix(j, key);
	fputs(val ? "true" : "false", j->f);
}

void rtdd_json_null(struct rtdd_json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->f);
}

void rtdd_json_hist(struct rtdd_json *j, const char *key,
		    const struct rtdd_hist *h)
{
	rtdd_json_obj_begin(j, key);
	rtdd_json_u64(j, "count", h->count);
	rtdd_json_u64(j, "min_ns", h->count ? h->min : 0);
	rtdd_json_u64(j, "p50_ns", rtdd_hist_pct(h, 50));
	rtdd_json_u64(j, "p90_ns", rtdd_hist_pct(h, 90));
	rtdd_json_u64(j, "p99_ns", rtdd_hist_pct(h, 99));
	rtdd_json_u64(j, "p99_9_ns", rtdd_hist_pct(h, 99.9));
	rtdd_json_u64(j, "p99_99_ns", rtdd_hist_pct(h, 99.99));
	rtdd_json_u64(j, "max_ns", h->max);
	rtdd_json_dbl(j, "mean_ns", rtdd_hist_mean(h));
	rtdd_json_obj_end(j);
}
