// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <string.h>

#include "analysis.h"

/* docs/VERDICTS.md gives the reasons for these numbers. */
const struct lt_trend_params lt_trend_bytes = {
	.min_rise = 64 * 1024,
	.min_rise_frac = 0.05,
	.fall_frac = 0.5,
	.steady_frac = 0.10,
};

const struct lt_trend_params lt_trend_counts = {
	.min_rise = 4,
	.min_rise_frac = 0.05,
	.fall_frac = 0.5,
	.steady_frac = 0.10,
};

/* RSS moves by whole pages and with every library touched: it needs a larger rise. */
const struct lt_trend_params lt_trend_rss = {
	.min_rise = LT_RSS_MIN_RISE,
	.min_rise_frac = LT_RSS_MIN_RISE_FRAC,
	.fall_frac = 0.5,
	.steady_frac = 0.10,
};

const char *analysis__trend_name(enum lt_trend t)
{
	switch (t) {
	case LT_TREND_GROWING:
		return "growing";
	case LT_TREND_STEADY:
		return "steady";
	case LT_TREND_SAWTOOTH:
		return "sawtooth";
	case LT_TREND_TRANSIENT:
		return "transient";
	default:
		return "new";
	}
}

double analysis__slope(const double *t, const double *v, size_t n)
{
	double mt = 0, mv = 0, sxx = 0, sxy = 0;

	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++) {
		mt += t[i];
		mv += v[i];
	}
	mt /= n;
	mv /= n;
	for (size_t i = 0; i < n; i++) {
		sxx += (t[i] - mt) * (t[i] - mt);
		sxy += (t[i] - mt) * (v[i] - mv);
	}
	return sxx > 0 ? sxy / sxx : 0;
}

static double min_of(const double *v, size_t from, size_t to)
{
	double m = v[from];

	for (size_t i = from + 1; i < to; i++)
		m = fmin(m, v[i]);
	return m;
}

/* Rise-then-fall cycles of at least `amp`: a sawtooth has one or more. */
static size_t cycles(const double *v, size_t n, double amp)
{
	double trough = v[0], peak = v[0];
	bool risen = false;
	size_t count = 0;

	for (size_t i = 1; i < n; i++) {
		if (!risen) {
			trough = fmin(trough, v[i]);
			if (v[i] - trough >= amp) {
				risen = true;
				peak = v[i];
			}
		} else {
			peak = fmax(peak, v[i]);
			if (peak - v[i] >= amp) {
				count++;
				risen = false;
				trough = v[i];
			}
		}
	}
	return count;
}

/*
 * Still rising at the end of the window: the slope over its last half (at least 3 samples) is
 * at least half the whole window's. A warm-up that levels off early in the window is not.
 */
static bool still_rising(const double *t, const double *v, size_t n, double slope)
{
	size_t half = n / 2 < 3 ? 3 : n / 2;

	if (half > n)
		half = n;
	return analysis__slope(t + n - half, v + n - half, half) >= 0.5 * slope;
}

void analysis__classify(const double *t, const double *v, size_t n,
			const struct lt_trend_params *p, struct lt_trend_result *out)
{
	double range, first, mid, last, need;
	size_t zeros = 0, third, teeth;

	memset(out, 0, sizeof(*out));
	out->trend = LT_TREND_NEW;
	if (!n)
		return;
	out->slope = analysis__slope(t, v, n);
	out->min = out->max = v[0];
	for (size_t i = 0; i < n; i++) {
		out->min = fmin(out->min, v[i]);
		out->max = fmax(out->max, v[i]);
		zeros += v[i] == 0;
	}
	/* The floor: the lowest level each third of the window comes back to. */
	third = n / 3 ? n / 3 : 1;
	first = min_of(v, 0, third);
	last = min_of(v, n - third, n);
	out->floor_rise = last - first;
	if (n < LT_MIN_SAMPLES)
		return;
	mid = min_of(v, third, n - third); /* n >= 4: the middle third is not empty */

	range = out->max - out->min;
	need = fmax(p->min_rise, p->min_rise_frac * out->max);
	teeth = cycles(v, n, p->fall_frac * range);
	if (zeros * 2 >= n && v[n - 1] <= 0.1 * out->max)
		out->trend = LT_TREND_TRANSIENT;
	else if (out->slope > 0 && out->floor_rise >= need &&
		 mid - first >= 0.15 * out->floor_rise && last - mid >= 0.15 * out->floor_rise &&
		 still_rising(t, v, n, out->slope) && (!teeth || teeth >= LT_SAWTOOTH_MIN_CYCLES))
		out->trend = LT_TREND_GROWING;
	else if (range >= fmax(p->min_rise, p->steady_frac * out->max) && teeth)
		out->trend = LT_TREND_SAWTOOTH;
	else
		out->trend = LT_TREND_STEADY;
}

void analysis__proc_view(const double *t, const double *rss, const double *tracked, size_t n,
			 struct lt_proc_view *out)
{
	struct lt_trend_result r, k;
	double mean = 0, change, noise;

	memset(out, 0, sizeof(*out));
	out->verdict = LT_PROC_TOO_EARLY;
	if (n < LT_MIN_SAMPLES)
		return;
	out->rss_rate = analysis__slope(t, rss, n);
	out->tracked_rate = analysis__slope(t, tracked, n);
	out->span_s = t[n - 1] - t[0];
	for (size_t i = 0; i < n; i++)
		mean += rss[i] / n;
	analysis__classify(t, rss, n, &lt_trend_rss, &r);
	analysis__classify(t, tracked, n, &lt_trend_bytes, &k);
	out->rss_rise = r.floor_rise;
	out->tracked_rise = k.floor_rise;
	change = out->rss_rate * out->span_s;
	noise = fmax(LT_RSS_MIN_RISE, LT_RSS_MIN_RISE_FRAC * mean);
	if (change <= -noise)
		out->verdict = LT_PROC_RSS_SHRINKS;
	else if (r.trend != LT_TREND_GROWING)
		out->verdict = LT_PROC_RSS_STEADY;
	else if (out->tracked_rise >= 0.5 * out->rss_rise)
		out->verdict = LT_PROC_TRACKED_EXPLAINS;
	else
		out->verdict = LT_PROC_UNTRACKED_GROWTH;
}

/* A node process's parts (docs/VERDICTS.md); the minimum rises are analysis.h's. */
const struct lt_trend_params lt_trend_js_heap = {
	.min_rise = LT_JS_HEAP_MIN_RISE,
	.min_rise_frac = 0.05,
	.fall_frac = 0.5,
	.steady_frac = 0.10,
};

const struct lt_trend_params lt_trend_node = {
	.min_rise = LT_NODE_MIN_RISE,
	.min_rise_frac = 0.05,
	.fall_frac = 0.5,
	.steady_frac = 0.10,
};

void analysis__node_view(const double *t, const double *const v[LT_NODE__PARTS], size_t n,
			 struct lt_node_view *out)
{
	static const struct lt_trend_params *const params[LT_NODE__PARTS] = {
		[LT_NODE_JS_HEAP] = &lt_trend_js_heap,
		[LT_NODE_EXTERNAL] = &lt_trend_node,
		[LT_NODE_NATIVE] = &lt_trend_node,
		[LT_NODE_SOCKETS] = &lt_trend_counts,
	};
	bool grows[LT_NODE__PARTS];

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < LT_NODE__PARTS; i++) {
		struct lt_trend_result r;

		analysis__classify(t, v[i], n, params[i], &r);
		out->rate[i] = r.slope;
		/* A part that is 0 at most samples (nothing since attach) is flat, not transient. */
		out->trend[i] = r.trend == LT_TREND_TRANSIENT ? LT_TREND_STEADY : r.trend;
		grows[i] = r.trend == LT_TREND_GROWING;
	}
	if (n < LT_MIN_SAMPLES)
		out->verdict = LT_NODE_TOO_EARLY;
	else if (grows[LT_NODE_JS_HEAP] && grows[LT_NODE_EXTERNAL])
		out->verdict = LT_NODE_BOTH_GROW;
	else if (grows[LT_NODE_EXTERNAL])
		out->verdict = LT_NODE_EXTERNAL_GROWS;
	else if (grows[LT_NODE_JS_HEAP])
		out->verdict = LT_NODE_JS_HEAP_GROWS;
	else if (grows[LT_NODE_NATIVE])
		out->verdict = LT_NODE_NATIVE_GROWS;
	else
		out->verdict = LT_NODE_STEADY;
}
