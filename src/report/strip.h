/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report-internal: the RAM coverage strip, for info.c and coverage.c. */
#ifndef VMC_REPORT_STRIP_H
#define VMC_REPORT_STRIP_H

#include "json.h"
#include "report.h"

/* The strip, legend, bytes per kind and totals, as text. */
void vmc_strip_coverage_text(FILE *out, const struct vmc_dump *d,
			     const struct vmc_coverage *c,
			     const struct vmc_strip_opts *so, int verbose);
/* The "coverage" array and "coverage_summary" object, as members of the
 * JSON object j is in. */
void vmc_strip_coverage_json(struct vmc_json *j, const struct vmc_dump *d,
			     const struct vmc_coverage *c,
			     const struct vmc_strip_opts *so);

#endif
