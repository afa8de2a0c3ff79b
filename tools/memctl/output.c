// SPDX-License-Identifier: GPL-2.0
/*
 * memctl - output through libsmartcols, the library lsmem uses: the block
 * listing (table, raw, key="value" pairs, JSON in lsmem's shape) and the
 * tables of the other commands. JSON documents are libsmartcols' tables;
 * out_table_print() adds memctl's own top-level keys (a summary, the
 * command) after the table's array.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libsmartcols.h>

#include "memctl.h"

/* ---- tables -------------------------------------------------------- */

struct libscols_table *out_table_new(const char *name, const struct out_opts *o)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb) {
		warnx_("cannot allocate the output table");
		exit(EXIT_ENV);
	}
	scols_table_set_name(tb, name);
	scols_table_enable_json(tb, o->json);
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_export(tb, o->pairs);
	scols_table_enable_noheadings(tb, o->noheadings);
	return tb;
}

struct libscols_column *out_column(struct libscols_table *tb,
				   const char *name, int flags, int json_type)
{
	struct libscols_column *cl = scols_table_new_column(tb, name, 0, flags);

	if (!cl || scols_column_set_json_type(cl, json_type)) {
		warnx_("cannot allocate the output table");
		exit(EXIT_ENV);
	}
	return cl;
}

struct libscols_line *out_line(struct libscols_table *tb)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);

	if (!ln) {
		warnx_("cannot allocate the output table");
		exit(EXIT_ENV);
	}
	return ln;
}

/* Set cell @col of @ln; @val may be NULL (empty: null in JSON). */
void out_cell(struct libscols_line *ln, size_t col, const char *val)
{
	if (scols_line_set_data(ln, col, val)) {
		warnx_("cannot allocate the output table");
		exit(EXIT_ENV);
	}
}

void out_cellf(struct libscols_line *ln, size_t col, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		warnx_("out of memory");
		exit(EXIT_ENV);
	}
	va_end(ap);
	if (scols_line_refer_data(ln, col, s)) {
		free(s);
		warnx_("cannot allocate the output table");
		exit(EXIT_ENV);
	}
}

/* A JSON string for the keys memctl adds; @s is ASCII from memctl. */
void out_json_str(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			putc(*s, f);
	}
	putc('"', f);
}

/*
 * Print @tb. For JSON, @extra (if not NULL) prints further top-level keys,
 * each as ',\n   "key": value', which go after the table's array inside
 * its object. Returns 0, or EXIT_ENV after a message.
 */
int out_table_print(struct libscols_table *tb,
		    void (*extra)(FILE *f, void *arg), void *arg)
{
	char *data = NULL;
	size_t len;
	int ret = 0;

	if (!extra || !scols_table_is_json(tb)) {
		if (scols_print_table(tb))
			ret = EXIT_ENV;
		goto out;
	}
	if (scols_print_table_to_string(tb, &data) || !data) {
		ret = EXIT_ENV;
		goto out;
	}
	len = strlen(data);
	while (len && isspace((unsigned char)data[len - 1]))
		len--;
	if (!len || data[len - 1] != '}') {
		warnx_("unexpected JSON from libsmartcols");
		ret = EXIT_ENV;
		goto out;
	}
	len--;
	while (len && isspace((unsigned char)data[len - 1]))
		len--;
	fwrite(data, 1, len, stdout);
	extra(stdout, arg);
	fputs("\n}\n", stdout);
out:
	free(data);
	scols_unref_table(tb);
	if (ret)
		warnx_("cannot print the output table");
	return ret;
}

/* ---- columns ------------------------------------------------------- */

enum {
	COL_RANGE,
	COL_START,
	COL_END,
	COL_SIZE,
	COL_STATE,
	COL_REMOVABLE,
	COL_BLOCK,
	COL_NODE,
	COL_ZONES,
	COL_OWNER,
	COL_DEPOP,
	COL_RESOURCE,
	NR_COLS
};

struct coldesc {
	const char *name;
	const char *help;
	bool right;		/* right-aligned in tables */
	bool split;		/* can split ranges (--split) */
	int json;		/* SCOLS_JSON_* (string by default) */
};

static const struct coldesc cols[NR_COLS] = {
	[COL_RANGE]	= { "RANGE", "start and end address of the range" },
	[COL_START]	= { "START", "start address of the range" },
	[COL_END]	= { "END", "end address of the range (inclusive)" },
	[COL_SIZE]	= { "SIZE", "size of the range", true },
	[COL_STATE]	= { "STATE", "state of the blocks", false, true },
	[COL_REMOVABLE]	= { "REMOVABLE", "kernel reports the blocks removable",
			    false, true, SCOLS_JSON_BOOLEAN_OPTIONAL },
	[COL_BLOCK]	= { "BLOCK", "block index or index range", true },
	[COL_NODE]	= { "NODE", "NUMA node", true, true, SCOLS_JSON_NUMBER },
	[COL_ZONES]	= { "ZONES", "valid zones (zone of an online block)",
			    false, true },
	[COL_OWNER]	= { "OWNER", "driver[:instance] that added it (virtio_mem, kmem:dax0.0, withheld_ram:NAME), else its resource",
			    false, true },
	[COL_RESOURCE]	= { "RESOURCE", "its /proc/iomem resource", false, true },
	[COL_DEPOP]	= { "DEPOP", "eligible for offline_depopulated",
			    false, true, SCOLS_JSON_BOOLEAN },
};

static const int default_cols[] = {
	COL_RANGE, COL_SIZE, COL_STATE, COL_BLOCK, COL_NODE, COL_ZONES,
	COL_OWNER, COL_DEPOP,
};

void list_columns_help(void)
{
	int i;

	printf("\nAvailable output columns:\n");
	for (i = 0; i < NR_COLS; i++)
		printf(" %10s  %s\n", cols[i].name, cols[i].help);
}

static int col_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; i < NR_COLS; i++)
		if (strlen(cols[i].name) == len &&
		    !strncasecmp(cols[i].name, name, len))
			return i;
	return -1;
}

/*
 * Parse a comma-separated column list.  A leading '+' appends to the
 * default list (like lsblk/lsmem).  Returns the number of columns or -1.
 */
static int parse_columns(const char *list, int *out, int max)
{
	const char *p = list;
	int n = 0;

	if (*p == '+') {
		for (n = 0; n < (int)ARRAY_SIZE(default_cols); n++)
			out[n] = default_cols[n];
		p++;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		int c = col_lookup(p, len);

		if (c < 0) {
			warnx_("unknown column: '%.*s'", (int)len, p);
			return -1;
		}
		if (n == max) {
			warnx_("too many columns");
			return -1;
		}
		out[n++] = c;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!n) {
		warnx_("no columns given");
		return -1;
	}
	return n;
}

/* ---- rows ---------------------------------------------------------- */

struct row {
	struct mblock *first;
	unsigned long nblocks;
};

static bool same_row(const struct mblock *a, const struct mblock *b,
		     const bool *split)
{
	if (b->index != a->index + 1)
		return false;
	if (split[COL_STATE] && a->state != b->state)
		return false;
	if (split[COL_REMOVABLE] && a->removable != b->removable)
		return false;
	if (split[COL_NODE] && a->node != b->node)
		return false;
	if (split[COL_ZONES] && (!a->zones != !b->zones ||
				 (a->zones && strcmp(a->zones, b->zones))))
		return false;
	if (split[COL_OWNER] && (!a->owner != !b->owner ||
				 (a->owner && strcmp(a->owner, b->owner))))
		return false;
	if (split[COL_DEPOP] && a->depop != b->depop)
		return false;
	if (split[COL_RESOURCE] && (!a->resource != !b->resource ||
				    (a->resource &&
				     strcmp(a->resource, b->resource))))
		return false;
	return true;
}

static const char *yesno(enum tristate v)
{
	return v == TS_UNKNOWN ? NULL : v == TS_YES ? "yes" : "no";
}

/*
 * Text of a cell, allocated, or NULL for "unknown": empty in JSON (null)
 * and in pairs, "-" in tables.
 */
static char *cell_text(struct memtree *t, const struct row *r, int col,
		       bool bytes)
{
	const struct mblock *b = r->first;
	uint64_t size = r->nblocks * t->block_size;
	uint64_t end = b->start + size - 1;
	unsigned long last = b->index + r->nblocks - 1;
	const char *v;
	char *s;

	switch (col) {
	case COL_RANGE:
		return xasprintf("0x%016" PRIx64 "-0x%016" PRIx64,
				 b->start, end);
	case COL_START:
		return xasprintf("0x%016" PRIx64, b->start);
	case COL_END:
		return xasprintf("0x%016" PRIx64, end);
	case COL_SIZE:
		if (bytes)
			return xasprintf("%" PRIu64, size);
		return size_to_human(size);
	case COL_STATE:
		return xstrdup(state_name(b->state));
	case COL_REMOVABLE:
		v = yesno(b->removable);
		return v ? xstrdup(v) : NULL;
	case COL_BLOCK:
		if (r->nblocks == 1)
			return xasprintf("%lu", b->index);
		return xasprintf("%lu-%lu", b->index, last);
	case COL_NODE:
		return b->node < 0 ? NULL : xasprintf("%d", b->node);
	case COL_ZONES:
		v = b->zones;
		break;
	case COL_OWNER:
		v = b->owner;
		break;
	case COL_RESOURCE:
		v = b->resource;
		break;
	case COL_DEPOP:
		return xstrdup(b->depop ? "yes" : "no");
	default:
		return NULL;
	}
	if (!v)
		return NULL;
	s = xstrdup(v);
	sanitize(s);
	return s;
}

static char *fmt_size(uint64_t v, bool bytes)
{
	return bytes ? xasprintf("%" PRIu64, v) : size_to_human(v);
}

/* transient and broken states only when there are such blocks */
static bool summary_shows(int s, const uint64_t *total)
{
	return total[s] || (s != MS_UNKNOWN && s != MS_GOING_OFFLINE);
}

struct summary {
	struct memtree *t;
	const struct list_opts *o;
	const uint64_t *total;
};

static void json_size(FILE *f, const char *key, uint64_t v, bool bytes,
		      bool first)
{
	char *s;

	fprintf(f, "%s\n      ", first ? "" : ",");
	out_json_str(f, key);
	if (bytes) {
		fprintf(f, ": %" PRIu64, v);
		return;
	}
	s = size_to_human(v);
	fputs(": ", f);
	out_json_str(f, s);
	free(s);
}

/* The "summary" key of the JSON listing. */
static void json_summary(FILE *f, void *arg)
{
	const struct summary *sm = arg;
	int s;

	fputs(",\n   \"summary\": {", f);
	json_size(f, "block_size", sm->t->block_size, sm->o->bytes, true);
	for (s = 0; s < MS_NR; s++)
		if (summary_shows(s, sm->total))
			json_size(f, state_name(s), sm->total[s],
				  sm->o->bytes, false);
	fputs("\n   }", f);
}

/* The summary after a table, like lsmem's: labels left, values right. */
static void print_summary(struct memtree *t, const struct list_opts *o,
			  const uint64_t *total)
{
	char *val[MS_NR + 1] = { NULL };
	int s, w = 0;

	val[MS_NR] = fmt_size(t->block_size, o->bytes);
	w = strlen(val[MS_NR]);
	for (s = 0; s < MS_NR; s++) {
		val[s] = fmt_size(total[s], o->bytes);
		if (summary_shows(s, total) && (int)strlen(val[s]) > w)
			w = strlen(val[s]);
	}
	printf("%-33s %*s\n", "Memory block size:", w, val[MS_NR]);
	for (s = 0; s < MS_NR; s++) {
		if (summary_shows(s, total)) {
			char *label = xasprintf("Total %s memory:",
						state_name(s));

			printf("%-33s %*s\n", label, w, val[s]);
			free(label);
		}
	}
	for (s = 0; s <= MS_NR; s++)
		free(val[s]);
}

int list_blocks(struct memtree *t, const struct list_opts *o, bool filtered)
{
	int colv[NR_COLS * 4], ncols, c;
	bool split[NR_COLS] = { false };
	uint64_t total[MS_NR] = { 0 };
	struct summary sm = { t, o, total };
	struct libscols_table *tb;
	struct row *rows;
	size_t nrows = 0, i;
	int summary = o->summary, ret = 0;

	if (o->all_columns) {
		for (ncols = 0; ncols < NR_COLS; ncols++)
			colv[ncols] = ncols;
	} else if (o->columns) {
		ncols = parse_columns(o->columns, colv, ARRAY_SIZE(colv));
		if (ncols < 0)
			return EXIT_USAGE;
	} else {
		ncols = ARRAY_SIZE(default_cols);
		memcpy(colv, default_cols, sizeof(default_cols));
	}

	if (o->split && !strcasecmp(o->split, "none")) {
		/* merge every run of adjacent blocks */
	} else if (o->split) {
		const char *p = o->split;

		if (!*p) {
			warnx_("--split: empty column list (use 'none' to merge every run)");
			return EXIT_USAGE;
		}
		while (*p) {
			size_t len = strcspn(p, ",");
			int col = col_lookup(p, len);

			if (col < 0 || !cols[col].split) {
				warnx_("cannot split on '%.*s'", (int)len, p);
				return EXIT_USAGE;
			}
			split[col] = true;
			p += len;
			if (*p == ',')
				p++;
		}
	} else {
		for (i = 0; i < (size_t)ncols; i++)
			split[colv[i]] = cols[colv[i]].split;
	}

	if (summary == SUMMARY_DEFAULT)
		summary = o->out.raw || o->out.pairs ? SUMMARY_NEVER :
						       SUMMARY_ALWAYS;

	rows = xmalloc((t->nr_blocks + 1) * sizeof(*rows));
	for (i = 0; i < t->nr_blocks; i++) {
		struct mblock *b = &t->blocks[i];
		struct row *r = nrows ? &rows[nrows - 1] : NULL;

		if (filtered && !b->selected)
			continue;
		total[b->state] += t->block_size;
		if (!o->all && r && same_row(r->first + r->nblocks - 1, b,
					     split) &&
		    r->first + r->nblocks == b) {
			r->nblocks++;
			continue;
		}
		rows[nrows].first = b;
		rows[nrows].nblocks = 1;
		nrows++;
	}

	if (summary == SUMMARY_ONLY && !o->out.json) {
		print_summary(t, o, total);
		goto out;
	}

	tb = out_table_new("memory", &o->out);
	for (c = 0; c < ncols; c++) {
		const struct coldesc *cd = &cols[colv[c]];
		int json = cd->json;

		if (colv[c] == COL_SIZE && o->bytes)
			json = SCOLS_JSON_NUMBER;
		out_column(tb, cd->name, cd->right ? SCOLS_FL_RIGHT : 0, json);
	}
	for (i = 0; summary != SUMMARY_ONLY && i < nrows; i++) {
		struct libscols_line *ln = out_line(tb);

		for (c = 0; c < ncols; c++) {
			char *v = cell_text(t, &rows[i], colv[c], o->bytes);

			if (!v && !o->out.json && !o->out.pairs)
				v = xstrdup("-");
			if (v)
				out_cellf(ln, c, "%s", v);
			free(v);
		}
	}
	ret = out_table_print(tb, summary != SUMMARY_NEVER ? json_summary :
			      NULL, &sm);
	if (!ret && summary != SUMMARY_NEVER && !o->out.json) {
		putchar('\n');
		print_summary(t, o, total);
	}
out:
	free(rows);
	return ret;
}
