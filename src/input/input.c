/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input: the plain file and memory streams, and what every stream shares
 * (wrapping a layer, exact reads, header bytes).
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Mapped streams (a file or memory) read by copying out of the map. */
static struct vmc_error *mapped_pread(struct vmc_input *in, void *buf,
				      size_t len, uint64_t off, size_t *got)
{
	*got = 0;
	if (off >= in->size)
		return NULL;
	size_t n = in->size - off < len ? (size_t)(in->size - off) : len;
	memcpy(buf, in->map + off, n);
	*got = n;
	return NULL;
}

static void file_close(struct vmc_input *in)
{
	if (in->map)
		munmap((void *)in->map, in->size);
	if (in->fd >= 0)
		close(in->fd);
}

static const struct vmc_input_ops file_ops = {
	.name = "file", .pread = mapped_pread, .close = file_close,
};

static const struct vmc_input_ops memory_ops = {
	.name = "memory", .pread = mapped_pread,
};

static struct vmc_input *input_new(const char *path)
{
	struct vmc_input *in = calloc(1, sizeof(*in));
	if (!in)
		return NULL;
	in->fd = -1;
	in->path = strdup(path ? path : "");
	if (!in->path) {
		free(in);
		return NULL;
	}
	return in;
}

struct vmc_error *vmc_input_open_file(const char *path, struct vmc_input **out)
{
	struct vmc_error *err = NULL;
	struct stat st;
	struct vmc_input *in = input_new(path);
	if (!in)
		return vmc_error_nomem();
	in->ops = &file_ops;
	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0) {
		err = vmc_error_errno(errno, "cannot open");
		goto fail;
	}
	if (fstat(in->fd, &st) < 0) {
		err = vmc_error_errno(errno, "cannot stat");
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		err = vmc_error_new(VMC_ERR_IO, "is a directory");
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = vmc_error_new(VMC_ERR_IO, "not a regular file");
		goto fail;
	}
	in->size = (uint64_t)st.st_size;
	in->dev = (uint64_t)st.st_dev;
	in->ino = (uint64_t)st.st_ino;
	if (in->size) {
		void *m = mmap(NULL, in->size, PROT_READ, MAP_PRIVATE, in->fd, 0);
		if (m == MAP_FAILED) {
			err = vmc_error_errno(errno, "cannot map");
			goto fail;
		}
		in->map = m;
	}
	*out = in;
	return NULL;
fail:
	vmc_input_close(in);
	return err;
}

struct vmc_error *vmc_input_open_memory(const void *buf, size_t len,
					const char *name, struct vmc_input **out)
{
	struct vmc_input *in = input_new(name);
	if (!in)
		return vmc_error_nomem();
	in->ops = &memory_ops;
	in->map = len ? buf : NULL;
	in->size = len;
	*out = in;
	return NULL;
}

struct vmc_error *vmc_input_wrap(struct vmc_input *lower,
				 const struct vmc_input_ops *ops, void *priv,
				 uint64_t size, struct vmc_input **out)
{
	struct vmc_input *in = input_new(lower->path);
	if (!in) {
		if (ops->close) {
			struct vmc_input tmp = { .ops = ops, .priv = priv, .fd = -1 };
			ops->close(&tmp);
		}
		vmc_input_close(lower);
		return vmc_error_nomem();
	}
	in->ops = ops;
	in->priv = priv;
	in->size = size;
	in->dev = lower->dev;
	in->ino = lower->ino;
	in->lower = lower;
	/* Outermost first: lower was peeled before this layer ("gzip" then
	 * "flattened" is "gzip+flattened"). At most four layers of short
	 * names: never truncated. */
	int n = snprintf(in->layers, sizeof(in->layers), "%.40s%s%s",
			 lower->layers, lower->layers[0] ? "+" : "", ops->name);
	(void)n;
	*out = in;
	return NULL;
}

void vmc_input_close(struct vmc_input *in)
{
	if (!in)
		return;
	if (in->ops && in->ops->close)
		in->ops->close(in);
	vmc_input_close(in->lower);
	free(in->path);
	free(in);
}

struct vmc_error *vmc_input_read(struct vmc_input *in, void *buf, size_t len,
				 uint64_t off, const char *what)
{
	size_t got;
	if (!vmc_range_ok(off, len, in->size))
		return vmc_error_new(VMC_ERR_FORMAT, "%s (offset 0x%" PRIx64
				     ", 0x%zx bytes) runs past the end of the "
				     "%s (0x%" PRIx64 " bytes)", what, off, len,
				     in->layers[0] ? "decoded stream" : "file",
				     in->size);
	struct vmc_error *err = vmc_input_pread(in, buf, len, off, &got);
	if (err)
		return vmc_error_prefix(err, "reading %s", what);
	if (got < len)
		return vmc_error_new(VMC_ERR_FORMAT, "%s (offset 0x%" PRIx64
				     "): the stream ended after 0x%zx of 0x%zx "
				     "bytes", what, off, got, len);
	return NULL;
}

struct vmc_error *vmc_input_bytes(struct vmc_input *in, uint64_t off,
				  uint64_t len, const char *what,
				  const uint8_t **p, uint8_t **owned)
{
	*owned = NULL;
	*p = vmc_input_map(in, off, len);
	if (*p || len == 0) {
		if (!*p)
			*p = (const uint8_t *)"";
		return NULL;
	}
	if (len > SIZE_MAX)
		return vmc_error_nomem();
	uint8_t *buf = malloc((size_t)len);
	if (!buf)
		return vmc_error_nomem();
	struct vmc_error *err = vmc_input_read(in, buf, (size_t)len, off, what);
	if (err) {
		free(buf);
		return err;
	}
	*p = buf;
	*owned = buf;
	return NULL;
}
