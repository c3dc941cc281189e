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

/*
 * Samples a verdict needs: fewer, and a stack is "new" and a process "too early". At the
 * default 5 s interval that is half a minute.
 */
#define LT_MIN_SAMPLES 6

/*
 * A series that rises and falls back is called growing only once the window holds this many
 * of its cycles: with fewer, each third holds too few troughs, and where the samples happened
 * to fall in the teeth can look like a rising floor.
 */
#define LT_SAWTOOTH_MIN_CYCLES 5

/* RSS grows when its floor rises by this much over the window, and this fraction of its peak. */
#define LT_RSS_MIN_RISE (4.0 * 1024 * 1024)
#define LT_RSS_MIN_RISE_FRAC 0.02

struct lt_trend_params {
	double min_rise;      /* smallest rise of the floor that counts, in units (bytes) */
	double min_rise_frac; /* ... and as a fraction of the series' peak */
	double fall_frac;     /* a fall of this fraction of the range makes a sawtooth */
	double steady_frac;   /* a range within this fraction of the peak is steady */
};

/* The thresholds for bytes, counts (sockets) and RSS; docs/VERDICTS.md explains them. */
extern const struct lt_trend_params lt_trend_bytes, lt_trend_counts, lt_trend_rss;

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
	double rss_rise;	/* rise of RSS's floor over the window (analysis__classify) */
	double tracked_rise;	/* ... and of the tracked memory's */
	double span_s;		/* the window the verdict is drawn from */
};

/*
 * RSS and tracked (heap + mmap) series over the same times. With LT_MIN_SAMPLES or more, RSS
 * grows when its series is "growing" by the stack rule with RSS's thresholds (a floor rising
 * by LT_RSS_MIN_RISE and LT_RSS_MIN_RISE_FRAC of its peak, in both halves, still at the end),
 * and shrinks when its fitted change falls by as much; the tracked memory explains a growth
 * when its floor rose by half RSS's or more.
 */
void analysis__proc_view(const double *t, const double *rss, const double *tracked, size_t n,
			 struct lt_proc_view *out);

/*
 * A node process's memory in parts (docs/VERDICTS.md): V8's JavaScript heap (the pages it maps
 * for its heap), external memory (ArrayBuffer and Buffer contents, from malloc), the rest of
 * the heap (native malloc), and its open sockets.
 */
enum lt_node_part {
	LT_NODE_JS_HEAP,
	LT_NODE_EXTERNAL,
	LT_NODE_NATIVE,
	LT_NODE_SOCKETS,
	LT_NODE__PARTS,
};

/* What grows in a node process, from its parts' series. */
enum lt_node_verdict {
	LT_NODE_TOO_EARLY,	 /* not enough samples */
	LT_NODE_STEADY,		 /* none of its memory grows */
	LT_NODE_EXTERNAL_GROWS,	 /* external memory grows, the JS heap does not */
	LT_NODE_JS_HEAP_GROWS,	 /* the JS heap grows, external memory does not */
	LT_NODE_BOTH_GROW,	 /* the JS heap and external memory grow */
	LT_NODE_NATIVE_GROWS,	 /* native malloc grows, the JS heap and external memory do not */
};

/*
 * The smallest rises of a node process's parts that count as growth, beside a rise of 5% of
 * the part's peak. V8 maps its heap in 256 KiB pages and resizes its young generation by whole
 * MiBs, so the JS heap needs more than external or native memory.
 */
#define LT_JS_HEAP_MIN_RISE (4.0 * 1024 * 1024)
#define LT_NODE_MIN_RISE (1.0 * 1024 * 1024)

/* The thresholds for the JS heap, and for external and native memory (sockets: counts). */
extern const struct lt_trend_params lt_trend_js_heap, lt_trend_node;

struct lt_node_view {
	enum lt_node_verdict verdict;
	double rate[LT_NODE__PARTS];	     /* per second: bytes, or sockets */
	enum lt_trend trend[LT_NODE__PARTS]; /* each part's, by analysis__classify; never
						transient (a part at 0 most of the time is steady) */
};

/*
 * The node verdict from the parts' series over the same n times (v[part][i]): each part's
 * trend by the stack rule with its thresholds (lt_trend_js_heap for the JS heap, lt_trend_node
 * for external and native memory, lt_trend_counts for sockets), then, with LT_MIN_SAMPLES or
 * more: the JS heap or external memory growing, or both; else native memory growing; else
 * steady. Native memory that grows beside the JS heap or external memory is V8's and node's
 * own bookkeeping for them, and does not change the verdict. Sockets have their own trend.
 */
void analysis__node_view(const double *t, const double *const v[LT_NODE__PARTS], size_t n,
			 struct lt_node_view *out);

#endif /* LEAKTOP_ANALYSIS_H */
