/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small streaming JSON writer. 64-bit addresses go out as "0x%016"
 * strings (JavaScript numbers lose precision above 2^53); counts as numbers.
 */
#ifndef VMC_JSON_H
#define VMC_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VMC_JSON_MAX_DEPTH 32

struct vmc_json {
	FILE *f;
	int depth;
	bool need_comma[VMC_JSON_MAX_DEPTH];
	char closer[VMC_JSON_MAX_DEPTH];
};

void vmc_json_init(struct vmc_json *j, FILE *f);
/* key is NULL inside arrays and at the top level. */
void vmc_json_object(struct vmc_json *j, const char *key);
void vmc_json_array(struct vmc_json *j, const char *key);
void vmc_json_end(struct vmc_json *j);	/* closes the innermost object/array */
void vmc_json_str(struct vmc_json *j, const char *key, const char *s);
void vmc_json_strn(struct vmc_json *j, const char *key, const char *s, size_t n);
void vmc_json_uint(struct vmc_json *j, const char *key, uint64_t v);
void vmc_json_addr(struct vmc_json *j, const char *key, uint64_t v);
void vmc_json_bool(struct vmc_json *j, const char *key, bool v);
void vmc_json_null(struct vmc_json *j, const char *key);
/* Ends the document with a newline. */
void vmc_json_finish(struct vmc_json *j);

#endif
