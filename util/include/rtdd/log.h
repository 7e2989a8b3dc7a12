/* SPDX-License-Identifier: MIT */
/*
 * rtdd/log.h - the one logging macro of rtdd's daemons and tools.
 *
 * Libraries do not log: they return -errno. Daemons and tools log through
 * RTDD_LOG(LEVEL, fmt, ...), which prefixes the program name and the level:
 *
 *     rtdd-blkback: ERR: vbd 3/768: no ring-ref
 *
 * Guest-triggered messages go through RTDD_LOG_RL, which lets through at most
 * a burst per interval per call site and counts what it dropped.
 * Thread-safe: one write(2) per message.
 */
#ifndef RTDD_LOG_H
#define RTDD_LOG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum rtdd_log_level {
	RTDD_LOG_ERR = 0,
	RTDD_LOG_WARN = 1,
	RTDD_LOG_INFO = 2,
	RTDD_LOG_DEBUG = 3,
};

/* Program name and threshold; messages above the level are dropped.
 * Defaults: "rtdd", INFO; RTDD_LOG_LEVEL=err|warn|info|debug overrides. */
void rtdd_log_init(const char *prog, enum rtdd_log_level level);
void rtdd_log_set_level(enum rtdd_log_level level);
enum rtdd_log_level rtdd_log_level(void);
void rtdd_log(enum rtdd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct rtdd_ratelimit {
	uint64_t window_start_ns;
	uint32_t in_window;
	uint32_t suppressed;
};
/* 1 if a message may go out now (burst of 10 per 5 s), else 0. */
int rtdd_ratelimit_ok(struct rtdd_ratelimit *rl);

#define RTDD_LOG(lvl, ...) rtdd_log(RTDD_LOG_##lvl, __VA_ARGS__)

#define RTDD_LOG_RL(lvl, ...)                                  \
	do {                                                   \
		static struct rtdd_ratelimit rtdd_rl_;         \
		if (rtdd_ratelimit_ok(&rtdd_rl_))              \
			rtdd_log(RTDD_LOG_##lvl, __VA_ARGS__); \
	} while (0)

#ifdef __cplusplus
}
#endif
#endif /* RTDD_LOG_H */
