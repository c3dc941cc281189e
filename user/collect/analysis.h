/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a series of samples says: its growth rate and whether it is a leak. Pure functions over
 * arrays of (time, value), so every rule is unit-tested on synthetic series. The rules and
 * their thresholds are documented in docs/VERDICTS.md; keep the two in step.
 */
#ifndef LEAKTOP_ANALYSIS_H
#define LEAKTOP_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>

enum lt_trend {
	LT_TREND_NEW,	    /* fewer than LT_MIN_SAMPLES samples: no verdict yet */
	LT_TREND_GROWING,   /* a sustained rise: the level it falls back to keeps rising */
	LT_TREND_STEADY,    /* flat, or moving within a narrow band */
	LT_TREND_SAWTOOTH,  /* rises and falls back, with no rising floor */
	LT_TREND_TRANSIENT, /* held only briefly: zero at most samples */
};

#define LT_MIN_SAMPLES 4

struct lt_trend_params {
	double min_rise;      /* smallest rise of the floor that counts, in units (bytes) */
	double min_rise_frac; /* ... and as a fraction of the series' peak */
	double fall_frac;     /* a fall of this fraction of the range makes a sawtooth */
	double steady_frac;   /* a range within this fraction of the peak is steady */
};

/* The thresholds for bytes and for counts (sockets); docs/VERDICTS.md explains them. */
extern const struct lt_trend_params lt_trend_bytes, lt_trend_counts;

struct lt_trend_result {
	enum lt_trend trend;
	double slope;	      /* least-squares slope, units per second */
	double floor_rise;    /* rise of the floor: last third's minimum minus the first third's */
	double min, max;
};

const char *analysis__trend_name(enum lt_trend t);

/* Least-squares slope of v over t. 0 for fewer than two distinct times. */
double analysis__slope(const double *t, const double *v, size_t n);

/* Classify a series (t ascending). */
void analysis__classify(const double *t, const double *v, size_t n,
			const struct lt_trend_params *p, struct lt_trend_result *out);

/* The process verdict: does the tracked memory explain RSS's growth? */
enum lt_proc_verdict {
	LT_PROC_TOO_EARLY,	 /* not enough samples */
	LT_PROC_RSS_STEADY,	 /* RSS is not growing */
	LT_PROC_TRACKED_EXPLAINS, /* the tracked heap and mmaps grow as RSS does */
	LT_PROC_UNTRACKED_GROWTH, /* RSS grows while the tracked memory stays flat */
	LT_PROC_RSS_SHRINKS,	 /* RSS falls */
};

struct lt_proc_view {
	enum lt_proc_verdict verdict;
	double rss_rate;	/* bytes per second */
	double tracked_rate;	/* heap + mmap, bytes per second */
};

/*
 * RSS and tracked (heap + mmap) series over the same times. RSS counts as growing when its
 * fitted rise over the window is at least 1 MiB and 2% of its mean; the tracked memory
 * explains it when it grows at half RSS's rate or more.
 */
void analysis__proc_view(const double *t, const double *rss, const double *tracked, size_t n,
			 struct lt_proc_view *out);

#endif /* LEAKTOP_ANALYSIS_H */
