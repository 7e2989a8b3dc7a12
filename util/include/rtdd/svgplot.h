/* SPDX-License-Identifier: MIT */
/*
 * rtdd/svgplot.h - latency distributions side by side as an SVG picture
 * (HdrHistogram's percentile plot: x = percentile on a 1/(1-p) log scale
 * from p0 to p99.99, y = latency on a log scale), viewable in any browser.
 */
#ifndef RTDD_SVGPLOT_H
#define RTDD_SVGPLOT_H

#include "rtdd/hist.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rtdd_plot_series {
	const char *name;
	const struct rtdd_hist *hist; /* values in ns */
};

/* Writes path; returns 0 or -errno (e.g. -EINVAL for no series or all
 * empty histograms). */
int rtdd_svg_percentiles(const char *path, const char *title,
			 const struct rtdd_plot_series *series, unsigned n);

#ifdef __cplusplus
}
#endif
#endif
