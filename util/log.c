// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "rtdd/log.h"

static char log_prog[32] = "rtdd";
static enum rtdd_log_level log_threshold = RTDD_LOG_INFO;
static const char *const level_names[] = {"ERR", "WARN", "INFO", "DEBUG"};

void rtdd_log_init(const char *prog, enum rtdd_log_level level)
{
	const char *env = getenv("RTDD_LOG_LEVEL");

	if (prog) {
		const char *slash = strrchr(prog, '/');

		snprintf(log_prog, sizeof(log_prog), "%s",
			 slash ? slash + 1 : prog);
	}
	log_threshold = level;
	if (env) {
		for (unsigned i = 0; i < 4; i++)
			if (!strcasecmp(env, level_names[i]))
				log_threshold = (enum rtdd_log_level)i;
	}
}

void rtdd_log_set_level(enum rtdd_log_level level)
{
	log_threshold = level;
}

enum rtdd_log_level rtdd_log_level(void)
{
	return log_threshold;
}

void rtdd_log(enum rtdd_log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n, m;

	if (level > log_threshold)
		return;
	n = snprintf(
		buf, sizeof(buf), "%s: %s: ", log_prog,
		level_names[level > RTDD_LOG_DEBUG ? RTDD_LOG_DEBUG : level]);
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

int rtdd_ratelimit_ok(struct rtdd_ratelimit *rl)
{
	const uint64_t interval = 5000000000ull;
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (now - rl->window_start_ns > interval) {
		if (rl->suppressed)
			rtdd_log(RTDD_LOG_WARN, "%u messages suppressed",
				 rl->suppressed);
		rl->window_start_ns = now;
		rl->in_window = 0;
		rl->suppressed = 0;
	}
	if (rl->in_window < 10) {
		rl->in_window++;
		return 1;
	}
	rl->suppressed++;
	return 0;
}
