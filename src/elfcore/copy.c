/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfcore copy: the model's write_ram for an ELF core. From a plain file
 * RAM moves with copy_file_range (the kernel shares blocks where the file
 * system can), falling back to read and pwrite, as it always does from a
 * decoded stream (gzip, lz4); the input's holes (SEEK_DATA/SEEK_HOLE) and
 * all-zero blocks stay holes in the pre-sized output.
 */
#include "elfcore-priv.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#define BUF_SIZE	(1u << 20)

static struct vmc_error *copy_fallback(struct vmc_core *core, uint64_t src,
				       int out, uint64_t dst, uint64_t len)
{
	if (!core->copy_buf && !(core->copy_buf = malloc(BUF_SIZE)))
		return vmc_error_nomem();
	while (len) {
		size_t n = len < BUF_SIZE ? (size_t)len : BUF_SIZE;
		size_t got;
		struct vmc_error *rerr = vmc_input_pread(core->in, core->copy_buf,
							 n, src, &got);
		if (rerr)
			return vmc_error_prefix(rerr, "reading the core");
		if (got == 0)
			return vmc_error_new(VMC_ERR_IO, "the core shrank "
					     "while being read");
		if (!vmc_all_zero(core->copy_buf, (size_t)got)) {
			struct vmc_error *err = vmc_pwrite_all(out, core->copy_buf,
							       (size_t)got, dst,
							       "RAM data");
			if (err)
				return err;
		}
		src += got;
		dst += got;
		len -= got;
	}
	return NULL;
}

static struct vmc_error *copy_range(struct vmc_core *core, uint64_t src,
				    int out, uint64_t dst, uint64_t len)
{
	while (len && !core->no_cfr) {
		loff_t s = (loff_t)src, d = (loff_t)dst;
		ssize_t n = copy_file_range(core->fd, &s, out, &d, (size_t)len, 0);
		if (n > 0) {
			src += (uint64_t)n;
			dst += (uint64_t)n;
			len -= (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == ENOSPC || errno == EDQUOT ||
			      errno == EIO || errno == EFBIG))
			return vmc_error_errno(errno, "copying RAM data");
		/* EXDEV, EINVAL, ENOSYS, EOPNOTSUPP or a 0 return: this pair of
		 * files cannot use it; copy by hand from now on. */
		core->no_cfr = true;
	}
	return len ? copy_fallback(core, src, out, dst, len) : NULL;
}

/* File systems share blocks (reflink) only for a copy_file_range whose
 * offsets are block-aligned and whose length is whole blocks; anything else
 * makes XFS and btrfs copy every byte of the call. So cut the range into
 * an unaligned head, an aligned body and an unaligned tail: the body, all
 * but a page of each RAM range, is shared (placement keeps the output's
 * offsets congruent to the input's). */
#define SHARE_BLOCK	4096u

static struct vmc_error *copy_shared(struct vmc_core *core, uint64_t src,
				     int out, uint64_t dst, uint64_t len)
{
	uint64_t head = (SHARE_BLOCK - (src & (SHARE_BLOCK - 1))) & (SHARE_BLOCK - 1);
	if ((src ^ dst) & (SHARE_BLOCK - 1) || head >= len)
		return copy_range(core, src, out, dst, len);
	uint64_t body = (len - head) & ~(uint64_t)(SHARE_BLOCK - 1);
	struct vmc_error *err = head ? copy_range(core, src, out, dst, head) : NULL;
	if (!err && body)
		err = copy_range(core, src + head, out, dst + head, body);
	if (!err && len > head + body)
		err = copy_range(core, src + head + body, out, dst + head + body,
				 len - head - body);
	return err;
}

/* Copy [src, src+len) skipping the input's holes, so that a sparse core
 * gives a sparse output. */
static struct vmc_error *copy_sparse(struct vmc_core *core, uint64_t src,
				     int out, uint64_t dst, uint64_t len)
{
	uint64_t end = src + len;
	if (core->fd < 0)	/* a decoded stream: by hand, zeros stay holes */
		return copy_fallback(core, src, out, dst, len);
	while (src < end) {
		off_t data = lseek(core->fd, (off_t)src, SEEK_DATA);
		if (data < 0) {
			if (errno == ENXIO)
				return NULL;		/* only a hole is left */
			return copy_shared(core, src, out, dst, end - src);
		}
		if ((uint64_t)data >= end)
			return NULL;
		off_t hole = lseek(core->fd, data, SEEK_HOLE);
		uint64_t stop = hole < 0 || (uint64_t)hole > end ? end : (uint64_t)hole;
		struct vmc_error *err = copy_shared(core, (uint64_t)data, out,
						    dst + ((uint64_t)data - src),
						    stop - (uint64_t)data);
		if (err)
			return err;
		dst += stop - src;
		src = stop;
	}
	return NULL;
}

struct vmc_error *vmc_core_write_ram(void *ctx, uint64_t paddr, uint64_t len,
				     int out_fd, uint64_t out_off)
{
	struct vmc_core *core = ctx;
	while (len) {
		const struct vmc_ram_range *r = vmc_ram_find(core->ram.v, core->ram.n,
							     paddr, &core->ram_hint);
		uint64_t in = r ? paddr - r->paddr : 0;
		if (!r || in >= r->avail)
			return vmc_error_fault(paddr, "physical 0x%" PRIx64 " has no "
					       "data in the core", paddr);
		uint64_t n = r->avail - in < len ? r->avail - in : len;
		struct vmc_error *err = copy_sparse(core, r->foff + in, out_fd,
						    out_off, n);
		if (err)
			return err;
		paddr += n;
		out_off += n;
		len -= n;
	}
	return NULL;
}
