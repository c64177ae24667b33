/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal unit-test harness: CHECK macros count failures per test. */
#ifndef VMC_UNIT_H
#define VMC_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

extern int unit_failed_checks;
extern const char *unit_fixtures;	/* directory of generated cores */

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",	\
				__FILE__, __LINE__, #cond);		\
			unit_failed_checks++;				\
		}							\
	} while (0)

#define CHECK_U64(a, b)							\
	do {								\
		uint64_t a_ = (a), b_ = (b);				\
		if (a_ != b_) {						\
			fprintf(stderr, "  %s:%d: %s == 0x%" PRIx64	\
				", expected 0x%" PRIx64 "\n", __FILE__,	\
				__LINE__, #a, a_, b_);			\
			unit_failed_checks++;				\
		}							\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *a_ = (a), *b_ = (b);			\
		if (!a_ || strcmp(a_, b_) != 0) {			\
			fprintf(stderr, "  %s:%d: %s == \"%s\", "	\
				"expected \"%s\"\n", __FILE__, __LINE__,	\
				#a, a_ ? a_ : "(null)", b_);		\
			unit_failed_checks++;				\
		}							\
	} while (0)

/* Path of fixture NAME (without .core) in a static buffer. */
const char *unit_fixture(const char *name);

struct vmc_source;
struct vmc_open_opts;
struct vmc_warnings;

/* Open path (a fixture: unit_fixture(NAME)) as the CLI does, with opts and
 * ws (either may be NULL): the source, or NULL with the failure counted
 * and its message shown. */
struct vmc_source *unit_open(const char *path, const struct vmc_open_opts *opts,
			     struct vmc_warnings *ws);

extern const struct unit_test base_tests[], elfcore_tests[], pagewalk_tests[],
	ptload_tests[], symbols_tests[];
extern const struct unit_test coverage_tests[];
extern const struct unit_test kdump_tests[];
extern const struct unit_test kernel_tests[];
extern const struct unit_test input_tests[];
extern const struct unit_test gdb_tests[];

#endif
