/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptload: runs from the walk → merged runs → (later) a layout plan and the
 * written core.
 */
#ifndef VMC_PTLOAD_H
#define VMC_PTLOAD_H

#include "../pagewalk/pagewalk.h"

/*
 * Sort runs by vaddr (then paddr) and coalesce neighbours that are
 * contiguous in both address spaces and have equal flags; with same_leaf,
 * also equal leaf sizes (for `maps`, which reports leaf sizes). Exact
 * duplicates (the same mapping seen from two roots) are dropped. O(n log n).
 */
void vmc_runs_merge(struct vmc_run_vec *runs, bool same_leaf);

#endif
