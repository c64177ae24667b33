/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How the harnesses hand their input to vmc_core_open(), which takes a
 * path: a memfd opened as /proc/self/fd/N, or a file on tmpfs. For each
 * core given, and each way, the time of N rounds of "write the input,
 * vmc_core_open(), vmc_core_close()", and of the file part alone (write,
 * open, fstat, mmap, read every page, munmap, close), best of 5
 * (tests/fuzz/README.md).
 *   bench-input [-n N] CORE...
 */
#include "common.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st) < 0) {
		perror(path);
		exit(2);
	}
	*size = (size_t)st.st_size;
	uint8_t *p = malloc(*size ? *size : 1);
	if (!p || fread(p, 1, *size, f) != *size) {
		perror(path);
		exit(2);
	}
	fclose(f);
	return p;
}

static volatile uint8_t sink;

/* What vmc_core_open does with the file, without parsing it. */
static void file_part(const char *path, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		abort();
	if (size) {
		const uint8_t *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			abort();
		for (size_t off = 0; off < size; off += 4096)
			sink = m[off];
		munmap((void *)m, size);
	}
	close(fd);
}

/* us per round for the way FUZZ_FILE names (fuzz_input_path reads it
 * once per process); parse: vmc_core_open, else the file part only. */
static double rounds(const uint8_t *data, size_t size, int n, bool parse)
{
	double best = 1e9;
	for (int rep = 0; rep < 5; rep++) {
		double t0 = now();
		for (int i = 0; i < n; i++) {
			const char *path = fuzz_input_path(data, size);
			if (!parse) {
				file_part(path, size);
				continue;
			}
			struct vmc_core *core = NULL;
			vmc_error_free(vmc_core_open(path, NULL, &core));
			vmc_core_close(core);
		}
		double us = (now() - t0) / n * 1e6;
		if (us < best)
			best = us;
	}
	return best;
}

int main(int argc, char **argv)
{
	int n = 20000, first = 1;
	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		n = atoi(argv[2]);
		first = 3;
	}
	const char *way = getenv("FUZZ_FILE");
	for (int i = first; i < argc; i++) {
		size_t size;
		uint8_t *data = slurp(argv[i], &size);
		printf("%-6s %7zu bytes  file %7.2f us  open %7.2f us  %s\n",
		       way && *way ? way : "tmpfs", size,
		       rounds(data, size, n, false), rounds(data, size, n, true),
		       argv[i]);
		free(data);
	}
	return 0;
}
