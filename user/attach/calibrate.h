/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one trap costs on this machine, measured at start: leaktop probes three functions of its
 * own (an entry probe on an emulated instruction, the same with a return probe, an entry probe
 * on a single-stepped one) through the link kind the session uses, calls each in a loop with
 * and without the probe, and takes the difference per call, less the time the calibration
 * programs measured in themselves. The cost model (cost.h) adds these to the BPF time each
 * process's hits measure.
 */
#ifndef LEAKTOP_CALIBRATE_H
#define LEAKTOP_CALIBRATE_H

#include "cost.h"
#include "probes.h"

struct leaktop_bpf;

/*
 * Calibrate with `skel`'s calibration programs (loaded for `mode`), keeping the links in
 * `probes` (detached with the others). Fills *out; on failure out->known is false, a warning
 * said why, and -errno comes back.
 */
int calibrate__run(struct leaktop_bpf *skel, struct lt_probes *probes, enum lt_attach_mode mode,
		   struct lt_trap_cost *out);

#endif /* LEAKTOP_CALIBRATE_H */
