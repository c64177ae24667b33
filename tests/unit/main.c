/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs every unit test; prints "N passed, N failed" last. */
#include "unit.h"

#include <stdlib.h>

#include "../../src/open/open.h"

int unit_failed_checks;
const char *unit_fixtures = "build/fixtures";

const char *unit_fixture(const char *name)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s/%s.core", unit_fixtures, name);
	return buf;
}

struct vmc_source *unit_open(const char *path, const struct vmc_open_opts *opts,
			     struct vmc_warnings *ws)
{
	struct vmc_source *src = NULL;
	struct vmc_error *err = vmc_source_open(path, opts, ws, &src);
	if (err) {
		fprintf(stderr, "  %s: %s\n", path, err->msg);
		vmc_error_free(err);
		unit_failed_checks++;
		return NULL;
	}
	return src;
}

static const struct unit_test *const suites[] = {
	base_tests, elfcore_tests, pagewalk_tests, ptload_tests, symbols_tests,
	coverage_tests, kdump_tests,
	input_tests, kernel_tests,
	gdb_tests,
};

int main(int argc, char **argv)
{
	if (argc > 1)
		unit_fixtures = argv[1];
	int passed = 0, failed = 0;
	for (size_t s = 0; s < sizeof(suites) / sizeof(*suites); s++)
		for (const struct unit_test *t = suites[s]; t->name; t++) {
			int before = unit_failed_checks;
			t->fn();
			if (unit_failed_checks == before) {
				passed++;
				printf("ok   %s\n", t->name);
			} else {
				failed++;
				printf("FAIL %s\n", t->name);
			}
		}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
