// SPDX-License-Identifier: GPL-2.0
/*
 * memctl - JSON writer and the block listing (table, raw, JSON)
 *
 * The output is hand-rolled rather than built on libsmartcols: Debian's
 * libsmartcols-dev ships only a shared library, and memctl must also link
 * statically for the arm64 guest.  The formats follow lsmem: aligned
 * columns, raw mode with "\x20"-style escapes, JSON with lower-case column
 * names as keys.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "memctl.h"

/* ---- JSON ---------------------------------------------------------- */

/* Length of a valid UTF-8 sequence at @s, or 0 if it is not valid. */
static int utf8_len(const unsigned char *s)
{
	int len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong or surrogate forms */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

static void json_puts(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	putchar('"');
	while (*s) {
		n = *s >= 0x80 ? utf8_len(s) : 0;
		if (*s == '"' || *s == '\\') {
			printf("\\%c", *s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			printf("\\u%04x", *s++);
		} else if (*s < 0x80) {
			putchar(*s++);
		} else if (n) {
			fwrite(s, 1, n, stdout);
			s += n;
		} else {
			fputs("\\ufffd", stdout);	/* not UTF-8 */
			s++;
		}
	}
	putchar('"');
}

static void json_prefix(struct json *j, const char *key)
{
	if (j->need_comma)
		putchar(',');
	if (j->depth)
		printf("\n%*s", 2 * j->depth, "");
	if (key) {
		json_puts(key);
		fputs(": ", stdout);
	}
	j->need_comma = true;
}

void json_begin(struct json *j, const char *key, char c)
{
	json_prefix(j, key);
	putchar(c);
	j->depth++;
	j->need_comma = false;
}

void json_end(struct json *j, char c)
{
	bool empty = !j->need_comma;

	j->depth--;
	if (!empty)
		printf("\n%*s", 2 * j->depth, "");
	putchar(c);
	j->need_comma = true;
	if (!j->depth)
		putchar('\n');
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_prefix(j, key);
	if (val)
		json_puts(val);
	else
		fputs("null", stdout);
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
	json_prefix(j, key);
	printf("%" PRIu64, val);
}

void json_int(struct json *j, const char *key, long long val)
{
	json_prefix(j, key);
	printf("%lld", val);
}

void json_double(struct json *j, const char *key, double val)
{
	json_prefix(j, key);
	printf("%.3f", val);
}

void json_bool(struct json *j, const char *key, bool val)
{
	json_prefix(j, key);
	fputs(val ? "true" : "false", stdout);
}

void json_null(struct json *j, const char *key)
{
	json_prefix(j, key);
	fputs("null", stdout);
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
	NR_COLS
};

struct coldesc {
	const char *name;
	const char *help;
	bool right;		/* right-aligned in tables */
	bool split;		/* can split ranges (--split) */
};

static const struct coldesc cols[NR_COLS] = {
	[COL_RANGE]	= { "RANGE", "start and end address of the range" },
	[COL_START]	= { "START", "start address of the range" },
	[COL_END]	= { "END", "end address of the range (inclusive)" },
	[COL_SIZE]	= { "SIZE", "size of the range", true },
	[COL_STATE]	= { "STATE", "state of the blocks", false, true },
	[COL_REMOVABLE]	= { "REMOVABLE", "kernel reports the blocks removable",
			    false, true },
	[COL_BLOCK]	= { "BLOCK", "block index or index range", true },
	[COL_NODE]	= { "NODE", "NUMA node", true, true },
	[COL_ZONES]	= { "ZONES", "valid zones (zone of an online block)",
			    false, true },
	[COL_OWNER]	= { "OWNER", "owning /proc/iomem resource (driver)",
			    false, true },
	[COL_DEPOP]	= { "DEPOP", "eligible for offline_depopulated",
			    false, true },
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
	return true;
}

static const char *yesno(enum tristate v)
{
	return v == TS_UNKNOWN ? "-" : v == TS_YES ? "yes" : "no";
}

/* Text of a table cell, allocated. */
static char *cell_text(struct memtree *t, const struct row *r, int col,
		       bool bytes)
{
	const struct mblock *b = r->first;
	uint64_t size = r->nblocks * t->block_size;
	uint64_t end = b->start + size - 1;
	unsigned long last = b->index + r->nblocks - 1;
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
		return xstrdup(yesno(b->removable));
	case COL_BLOCK:
		if (r->nblocks == 1)
			return xasprintf("%lu", b->index);
		return xasprintf("%lu-%lu", b->index, last);
	case COL_NODE:
		if (b->node < 0)
			return xstrdup("-");
		return xasprintf("%d", b->node);
	case COL_ZONES:
		s = xstrdup(b->zones ? b->zones : "-");
		break;
	case COL_OWNER:
		s = xstrdup(b->owner ? b->owner : "-");
		break;
	case COL_DEPOP:
		return xstrdup(b->depop ? "yes" : "no");
	default:
		return xstrdup("?");
	}
	sanitize(s);
	return s;
}

static void json_cell(struct json *j, struct memtree *t, const struct row *r,
		      int col, bool bytes)
{
	const struct mblock *b = r->first;
	char *key = xstrdup(cols[col].name), *p, *s;

	for (p = key; *p; p++)
		*p = tolower((unsigned char)*p);
	switch (col) {
	case COL_SIZE:
		if (bytes) {
			json_u64(j, key, r->nblocks * t->block_size);
			break;
		}
		/* fall through */
	case COL_RANGE:
	case COL_START:
	case COL_END:
	case COL_STATE:
	case COL_BLOCK:
		s = cell_text(t, r, col, bytes);
		json_str(j, key, s);
		free(s);
		break;
	case COL_REMOVABLE:
		if (b->removable == TS_UNKNOWN)
			json_null(j, key);
		else
			json_bool(j, key, b->removable == TS_YES);
		break;
	case COL_NODE:
		if (b->node < 0)
			json_null(j, key);
		else
			json_int(j, key, b->node);
		break;
	case COL_ZONES:
		json_str(j, key, b->zones);
		break;
	case COL_OWNER:
		json_str(j, key, b->owner);
		break;
	case COL_DEPOP:
		json_bool(j, key, b->depop);
		break;
	}
	free(key);
}

/* lsmem/libsmartcols raw mode: escape blanks, backslash, non-printables */
static void raw_puts(const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c <= 0x20 || c == '\\' || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void print_table(struct memtree *t, const struct list_opts *o,
			const struct row *rows, size_t nrows,
			const int *colv, int ncols)
{
	size_t width[64] = { 0 };
	char **cells;
	size_t i;
	int c;

	cells = xmalloc(nrows * ncols * sizeof(*cells) + 1);
	for (c = 0; c < ncols; c++)
		width[c] = o->noheadings ? 0 : strlen(cols[colv[c]].name);
	for (i = 0; i < nrows; i++) {
		for (c = 0; c < ncols; c++) {
			char *s = cell_text(t, &rows[i], colv[c], o->bytes);

			cells[i * ncols + c] = s;
			if (strlen(s) > width[c])
				width[c] = strlen(s);
		}
	}

	for (i = 0; i <= nrows; i++) {
		if (i == 0 && o->noheadings)
			continue;
		for (c = 0; c < ncols; c++) {
			const char *s = i ? cells[(i - 1) * ncols + c] :
					    cols[colv[c]].name;
			bool last = c == ncols - 1;

			if (c)
				putchar(' ');
			if (o->raw)
				raw_puts(s);
			else if (cols[colv[c]].right)
				printf("%*s", (int)width[c], s);
			else
				printf("%-*s", last ? 0 : (int)width[c], s);
		}
		putchar('\n');
	}
	for (i = 0; i < nrows * ncols; i++)
		free(cells[i]);
	free(cells);
}

static char *fmt_size(uint64_t v, bool bytes)
{
	return bytes ? xasprintf("%" PRIu64, v) : size_to_human(v);
}

static void json_size(struct json *j, const char *key, uint64_t v,
		      bool bytes)
{
	char *s;

	if (bytes) {
		json_u64(j, key, v);
		return;
	}
	s = size_to_human(v);
	json_str(j, key, s);
	free(s);
}

/* transient and broken states only when there are such blocks */
static bool summary_shows(int s, const uint64_t *total)
{
	return total[s] || (s != MS_UNKNOWN && s != MS_GOING_OFFLINE);
}

static void print_summary(struct memtree *t, const struct list_opts *o,
			  struct json *j, uint64_t *total)
{
	char *val[MS_NR + 1] = { NULL };
	int s, w = 0;

	if (j) {
		json_begin(j, "summary", '{');
		json_size(j, "block_size", t->block_size, o->bytes);
		for (s = 0; s < MS_NR; s++)
			if (summary_shows(s, total))
				json_size(j, state_name(s), total[s],
					  o->bytes);
		json_end(j, '}');
		return;
	}

	/* like lsmem: labels left, values right-aligned in one column */
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
	int colv[64], ncols;
	bool split[NR_COLS] = { false };
	uint64_t total[MS_NR] = { 0 };
	struct row *rows;
	size_t nrows = 0, i;
	struct json js = { 0 }, *j = o->json ? &js : NULL;
	int summary = o->summary;

	if (o->columns) {
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

		while (*p) {
			size_t len = strcspn(p, ",");
			int c = col_lookup(p, len);

			if (c < 0 || !cols[c].split) {
				warnx_("cannot split on '%.*s'", (int)len, p);
				return EXIT_USAGE;
			}
			split[c] = true;
			p += len;
			if (*p == ',')
				p++;
		}
	} else {
		for (i = 0; i < (size_t)ncols; i++)
			split[colv[i]] = cols[colv[i]].split;
	}

	if (summary == SUMMARY_DEFAULT)
		summary = o->raw ? SUMMARY_NEVER : SUMMARY_ALWAYS;

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

	if (j) {
		json_begin(j, NULL, '{');
		if (summary != SUMMARY_ONLY) {
			json_begin(j, "memory", '[');
			for (i = 0; i < nrows; i++) {
				int c;

				json_begin(j, NULL, '{');
				for (c = 0; c < ncols; c++)
					json_cell(j, t, &rows[i], colv[c],
						  o->bytes);
				json_end(j, '}');
			}
			json_end(j, ']');
		}
		if (summary != SUMMARY_NEVER)
			print_summary(t, o, j, total);
		json_end(j, '}');
	} else {
		if (summary != SUMMARY_ONLY)
			print_table(t, o, rows, nrows, colv, ncols);
		if (summary != SUMMARY_NEVER) {
			if (summary != SUMMARY_ONLY)
				putchar('\n');
			print_summary(t, o, NULL, total);
		}
	}
	free(rows);
	return fflush(stdout) ? EXIT_ENV : EXIT_OK;
}
