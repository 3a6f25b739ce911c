/*
 * chart — one series of labelled values as a bar chart (or one or two
 * as curves): an image file drawn with cairo (PNG or SVG, with a title,
 * axes, tick labels and axis titles) or rows of block characters for a
 * terminal.
 *
 * Nothing here reads the configuration: callers pass the directory and
 * formats they want (FT_PLOTS_DIR and FT_CHART_FORMAT are read by the
 * chat engine).  Functions return FT_OK or FT_EFAIL (errors.h) with a
 * message in err and never print, except ft_chart_bars, whose job it
 * is.
 */
#ifndef FT_CHART_H
#define FT_CHART_H

#include "errors.h"

#include <stddef.h>
#include <stdio.h>

typedef struct ft_chart {
	const char *title;		/* drawn above the plot */
	const char *xlabel;		/* under the x axis, e.g. "day" */
	const char *ylabel;		/* beside the y axis, e.g. "visits" */
	size_t n;			/* number of bars (0: an empty chart) */
	const char *const *labels;	/* n labels, one under each bar */
	const double *values;		/* n values, >= 0 */
	/* Curves instead of bars: values, and values2 when not NULL (n
	 * values >= 0), each a line through its points, named in a legend
	 * by names[0] and names[1].  Image files only. */
	int lines;
	const double *values2;
	const char *names[2];
} ft_chart;

/* Image formats, as bits: a chart may be written in both. */
enum { FT_CHART_PNG = 1, FT_CHART_SVG = 2 };

/* "png", "svg" or "both" to a mask of FT_CHART_*; -1 for anything else. */
int ft_chart_format_parse(const char *name);

/* Draw c into the file path, as PNG or SVG (one FT_CHART_* value).  The
 * file is replaced.  Blocks on the file system. */
int ft_chart_write(const ft_chart *c, const char *path, int format,
		   char *err, size_t errlen);

/* Draw c as PNG into memory: *buf (the caller's to free) and *len. */
int ft_chart_png(const ft_chart *c, unsigned char **buf, size_t *len,
		 char *err, size_t errlen);

/*
 * Reserve a new file "DIR/STEM.EXT" (or "DIR/STEM-2.EXT", "-3", ... when
 * taken), creating DIR and its parents as needed, so that a chart never
 * overwrites an earlier one.  The file is created empty; the caller
 * frees the returned path.  NULL on failure with a message in err.
 */
char *ft_chart_new_path(const char *dir, const char *stem, const char *ext,
			char *err, size_t errlen);

/*
 * Write c to f as one row per value: the label, a bar scaled so that the
 * largest value spans width columns, and the value.  With utf8 the bars
 * are Unicode block elements in eighths of a column; without, '#'.
 * Returns FT_OK, or FT_EFAIL on a write error.
 */
int ft_chart_bars(FILE *f, const ft_chart *c, int width, int utf8);

#endif
