// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "rtdd/svgplot.h"

#define W 1180
#define H 540
#define ML 80 /* margins */
#define MR 440
#define MT 50
#define MB 60

static void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c",
				     "#ff7f0e", "#9467bd", "#8c564b",
				     "#e377c2", "#17becf"};

/* x axis: log10(1 / (1 - p)), p in [0, 0.9999] -> [0, 4] */
static double xpos(double p)
{
	double v = log10(1.0 / (1.0 - p));

	return ML + v / 4.0 * (W - ML - MR);
}

static double ypos(double ns, double lo, double hi)
{
	double v = (log10(ns) - lo) / (hi - lo);

	return H - MB - v * (H - MT - MB);
}

static void fmt_ns(char *buf, size_t n, double ns)
{
	if (ns >= 1e6)
		snprintf(buf, n, "%g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, n, "%g µs", ns / 1e3);
	else
		snprintf(buf, n, "%g ns", ns);
}

int rtdd_svg_percentiles(const char *path, const char *title,
			 const struct rtdd_plot_series *series, unsigned n)
{
	double lo = INFINITY, hi = 0;
	FILE *f;

	for (unsigned i = 0; i < n; i++) {
		const struct rtdd_hist *h = series[i].hist;

		if (!h || !h->count)
			continue;
		if (rtdd_hist_pct(h, 0) < lo)
			lo = (double)rtdd_hist_pct(h, 0);
		if (rtdd_hist_pct(h, 99.99) > hi)
			hi = (double)rtdd_hist_pct(h, 99.99);
	}
	if (!n || hi <= 0)
		return -EINVAL;
	if (lo < 1)
		lo = 1;
	lo = floor(log10(lo));
	hi = ceil(log10(hi));
	if (hi <= lo)
		hi = lo + 1;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"<svg xmlns='http://www.w3.org/2000/svg' width='%d' "
		"height='%d' font-family='sans-serif' font-size='12'>\n"
		"<rect width='100%%' height='100%%' fill='white'/>\n",
		W, H);
	fprintf(f, "<text x='%d' y='25' font-size='16'>", ML);
	xml_escape(f, title ? title : "latency");
	fprintf(f, "</text>\n");
	/* y grid: decades */
	for (int d = (int)lo; d <= (int)hi; d++) {
		char lab[32];
		double y = ypos(pow(10, d), lo, hi);

		fmt_ns(lab, sizeof(lab), pow(10, d));
		fprintf(f,
			"<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' "
			"stroke='#ddd'/><text x='%d' y='%.1f' "
			"text-anchor='end'>%s</text>\n",
			ML, y, W - MR, y, ML - 6, y + 4, lab);
	}
	/* x grid: p0, p90, p99, p99.9, p99.99 */
	static const double px[] = {0, 0.9, 0.99, 0.999, 0.9999};
	static const char *const pl[] = {"p0", "p90", "p99", "p99.9", "p99.99"};
	for (unsigned k = 0; k < 5; k++) {
		double x = xpos(px[k]);

		fprintf(f,
			"<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' "
			"stroke='#ddd'/><text x='%.1f' y='%d' "
			"text-anchor='middle'>%s</text>\n",
			x, MT, x, H - MB, x, H - MB + 18, pl[k]);
	}
	fprintf(f,
		"<text x='%d' y='%d' text-anchor='middle'>percentile</text>\n",
		(ML + W - MR) / 2, H - 15);
	for (unsigned i = 0; i < n; i++) {
		const struct rtdd_hist *h = series[i].hist;
		const char *c = colors[i % 8];

		if (!h || !h->count)
			continue;
		fprintf(f,
			"<polyline fill='none' stroke='%s' "
			"stroke-width='2' points='",
			c);
		for (int s = 0; s <= 200; s++) {
			double p = 1.0 - pow(10, -4.0 * s / 200.0);
			double v = (double)rtdd_hist_pct(h, p * 100.0);

			if (v < 1)
				v = 1;
			fprintf(f, "%.1f,%.1f ", xpos(p), ypos(v, lo, hi));
		}
		fprintf(f, "'/>\n");
		fprintf(f,
			"<rect x='%d' y='%u' width='14' height='4' "
			"fill='%s'/><text x='%d' y='%u'>",
			W - MR + 12, MT + 20 * i + 4, c, W - MR + 32,
			MT + 20 * i + 10);
		xml_escape(f, series[i].name ? series[i].name : "?");
		fprintf(f, "</text>\n");
	}
	fprintf(f, "</svg>\n");
	if (fclose(f))
		return -errno;
	return 0;
}
