#ifndef INTAKE_INT_H
#define INTAKE_INT_H
/*
 * Inside the intake: the field table that the import (intake.c) checks
 * against and the template (template.c) is written from.
 */
#include <stddef.h>

struct pb_reader;

enum intake_type {
	F_TEXT,    /* any text; a number or date cell as its text */
	F_INT,     /* a whole number within [min, max] */
	F_NUM,     /* a number within [min, max] */
	F_BOOL,    /* Yes/No, TRUE/FALSE, 1/0 */
	F_ENUM,    /* one of a closed list, spelled as the list does */
	F_LIST,    /* comma-separated free text: a JSON array */
	F_REGIONS, /* comma-separated regions of the pricebook: a JSON array */
};

enum intake_list {
	L_NONE, L_OS, L_STORAGE, L_ACCESS, L_ENGINE, L_MODEL, L_SCALING, L_ENV, L_CRITICALITY,
	L_REGION, L_BOOL, L_NLISTS
};

struct intake_field {
	const char *name;   /* the seed's, and the header cell's */
	const char *label;  /* for people, above the header */
	const char *help;   /* the template's input message */
	unsigned char type, list, required;
	unsigned char meta; /* Client: 1 ClientInfo.<name>, 2 METADATA.<name> */
	const char *min, *max;
	unsigned char width;
	const char *example[2]; /* est456's two rows (the second may be NULL) */
};

enum intake_section_id { SEC_CLIENT, SEC_COMPUTE, SEC_STORAGE, SEC_NETWORK, SEC_DATABASE, SEC_SECURITY,
			 SEC_N };

struct intake_section {
	const char *sheet;  /* the template's sheet, and the section's name in messages */
	const char *key;    /* REQUIREMENTS' member (NULL: Client, on METADATA) */
	int rows;           /* 1: an array of rows; 0: one row */
	const struct intake_field *fields;
	size_t nfields;
	const char *about;  /* the README's line on it */
};

extern const struct intake_section intake_sections[SEC_N];

/* The header cell that marks a row as an example (never imported). */
#define INTAKE_EXAMPLE "Example"

/* Regions of the pricebook for the lists (not "global"), sorted; caller frees. */
size_t intake_regions(const struct pb_reader *pb, char (**out)[32]);

/* Entry i of a closed list, or NULL past its end (regions from `regions`). */
const char *intake_list_at(unsigned list, size_t i, char (*regions)[32], size_t nregions);

#endif
