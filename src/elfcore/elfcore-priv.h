/* SPDX-License-Identifier: GPL-2.0-or-later */
/* elfcore internals shared by its .c files. */
#ifndef VMC_ELFCORE_PRIV_H
#define VMC_ELFCORE_PRIV_H

#include "elfcore.h"

/* notes.c: parse every PT_NOTE into core->notes, cpus and vmcoreinfo. */
struct vmc_error *vmc_core_parse_notes(struct vmc_core *core,
				       struct vmc_warnings *ws);

/* rammap.c: build core->ram and core->unplaced from the PT_LOADs. */
struct vmc_error *vmc_core_build_ram(struct vmc_core *core,
				     struct vmc_warnings *ws);

#endif
