/*
 * chart — bar charts with cairo, and as terminal bars.
 */
#include "chart.h"
#include "util.h"

#include <cairo.h>
#include <cairo-svg.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Canvas and margins in points (pixels in a PNG). */
#define W	960.0
#define H	540.0
#define LEFT	84.0
#define RIGHT	30.0
#define TOP	64.0
#define BOTTOM	104.0
#define FONT	"DejaVu Sans"

int
ft_chart_format_parse(const char *name)
{
	if (!strcmp(name, "png"))
		return FT_CHART_PNG;
	if (!strcmp(name, "svg"))
		return FT_CHART_SVG;
	if (!strcmp(name, "both"))
		return FT_CHART_PNG | FT_CHART_SVG;
	return -1;
}

/* A tick step of 1, 2 or 5 times a power of ten giving about 5 ticks;
 * whole numbers only when every value is whole. */
static double
tick_step(double max, int whole)
{
	double raw = max / 5, p, f;

	if (raw <= 0)
		return 1;
	p = pow(10, floor(log10(raw)));
	f = raw / p;
	p *= f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
	if (whole && p < 1)
		p = 1;
	return p;
}

static void
number(char *buf, size_t len, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

static void
text_at(cairo_t *cr, const char *s, double x, double y, double ax,
	double ay, double angle)
{
	cairo_text_extents_t e;

	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_rotate(cr, angle);
	cairo_text_extents(cr, s, &e);
	/* ax, ay: the anchor as a fraction of the text's box (0 left/top,
	 * 1 right/bottom). */
	cairo_move_to(cr, -e.x_bearing - e.width * ax,
		      -e.y_bearing - e.height * ay);
	cairo_show_text(cr, s);
	cairo_restore(cr);
}

/* One curve through the middles of the slots, and its legend entry
 * (the kth). */
static void
curve(cairo_t *cr, const ft_chart *c, const double *v, int k, double top,
      double slot)
{
	double ploth = H - TOP - BOTTOM, lx = LEFT + 16 + k * 200.0;
	size_t i;

	if (k)
		cairo_set_source_rgb(cr, 0.85, 0.37, 0.01);
	else
		cairo_set_source_rgb(cr, 0.22, 0.45, 0.70);
	cairo_set_line_width(cr, 2.5);
	for (i = 0; i < c->n; i++) {
		double x = LEFT + ((double)i + 0.5) * slot;
		double y = TOP + ploth - (v[i] > 0 ? v[i] / top * ploth : 0);

		if (i)
			cairo_line_to(cr, x, y);
		else
			cairo_move_to(cr, x, y);
	}
	cairo_stroke(cr);
	if (!c->names[k])
		return;
	cairo_move_to(cr, lx, TOP - 14);
	cairo_line_to(cr, lx + 24, TOP - 14);
	cairo_stroke(cr);
	cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
	text_at(cr, c->names[k], lx + 30, TOP - 14, 0, 0.5, 0);
}

static double
series_max(const ft_chart *c, int *whole)
{
	double max = 0;
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->values[i] > max)
			max = c->values[i];
		if (c->values2 && c->values2[i] > max)
			max = c->values2[i];
		if (c->values[i] != floor(c->values[i]) || (c->values2 &&
		    c->values2[i] != floor(c->values2[i])))
			*whole = 0;
	}
	return max;
}

static void
draw(cairo_t *cr, const ft_chart *c)
{
	double max = 0, step, top, plotw = W - LEFT - RIGHT;
	double ploth = H - TOP - BOTTOM, slot, v, y;
	size_t i, every;
	int whole = 1;
	char buf[64];

	max = series_max(c, &whole);
	step = tick_step(max, whole);
	top = max > 0 ? ceil(max / step) * step : 5 * step;

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
			       CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 18);
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	if (c->title)
		text_at(cr, c->title, W / 2, 24, 0.5, 0, 0);

	/* Grid lines and the y axis's ticks. */
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
			       CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 12);
	cairo_set_line_width(cr, 1);
	for (v = 0; v <= top + step / 2; v += step) {
		y = TOP + ploth - v / top * ploth;
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_move_to(cr, LEFT, floor(y) + 0.5);
		cairo_line_to(cr, W - RIGHT, floor(y) + 0.5);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		number(buf, sizeof buf, v);
		text_at(cr, buf, LEFT - 8, y, 1, 0.5, 0);
	}

	/* Bars, and their values when there is room. */
	slot = c->n ? plotw / (double)c->n : plotw;
	if (c->lines && c->n) {
		curve(cr, c, c->values, 0, top, slot);
		if (c->values2)
			curve(cr, c, c->values2, 1, top, slot);
	}
	for (i = 0; i < c->n && !c->lines; i++) {
		double h = c->values[i] > 0 ? c->values[i] / top * ploth : 0;
		double x = LEFT + (double)i * slot + slot * 0.12;

		cairo_set_source_rgb(cr, 0.22, 0.45, 0.70);
		cairo_rectangle(cr, x, TOP + ploth - h, slot * 0.76, h);
		cairo_fill(cr);
		if (c->n <= 31 && slot >= 20) {
			cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
			cairo_set_font_size(cr, 10);
			number(buf, sizeof buf, c->values[i]);
			text_at(cr, buf, x + slot * 0.38, TOP + ploth - h - 3,
				0.5, 1, 0);
			cairo_set_font_size(cr, 12);
		}
	}
	if (c->n == 0) {
		cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
		text_at(cr, "no data", LEFT + plotw / 2, TOP + ploth / 2,
			0.5, 0.5, 0);
	}

	/* Axes. */
	cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
	cairo_move_to(cr, LEFT + 0.5, TOP);
	cairo_line_to(cr, LEFT + 0.5, TOP + ploth + 0.5);
	cairo_line_to(cr, W - RIGHT, TOP + ploth + 0.5);
	cairo_stroke(cr);

	/* The x axis's labels, slanted, as many as fit without touching. */
	every = slot >= 16 ? 1 : (size_t)ceil(16 / slot);
	for (i = 0; i < c->n; i += every)
		text_at(cr, c->labels[i], LEFT + ((double)i + 0.5) * slot,
			TOP + ploth + 8, 1, 0, -M_PI / 4);

	cairo_set_font_size(cr, 13);
	if (c->xlabel)
		text_at(cr, c->xlabel, LEFT + plotw / 2, H - 8, 0.5, 1, 0);
	if (c->ylabel)
		text_at(cr, c->ylabel, 18, TOP + ploth / 2, 0.5, 0.5,
			-M_PI / 2);
}

struct membuf {
	unsigned char *p;
	size_t len, cap;
};

static cairo_status_t
to_mem(void *closure, const unsigned char *data, unsigned int len)
{
	struct membuf *m = closure;

	if (m->len + len > m->cap) {
		m->cap = (m->len + len) * 2;
		m->p = ft_xrealloc(m->p, m->cap);
	}
	memcpy(m->p + m->len, data, len);
	m->len += len;
	return CAIRO_STATUS_SUCCESS;
}

int
ft_chart_png(const ft_chart *c, unsigned char **buf, size_t *len,
	     char *err, size_t errlen)
{
	cairo_surface_t *sf;
	cairo_t *cr;
	struct membuf m = { 0 };
	cairo_status_t st;

	sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)W, (int)H);
	cr = cairo_create(sf);
	draw(cr, c);
	st = cairo_status(cr);
	cairo_destroy(cr);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_write_to_png_stream(sf, to_mem, &m);
	cairo_surface_destroy(sf);
	if (st != CAIRO_STATUS_SUCCESS) {
		free(m.p);
		ft_seterr(err, errlen, "cannot draw the chart: %s",
		       cairo_status_to_string(st));
		return -1;
	}
	*buf = m.p;
	*len = m.len;
	return 0;
}

static int
svg(const ft_chart *c, struct membuf *m, char *err, size_t errlen)
{
	cairo_surface_t *sf;
	cairo_t *cr;
	cairo_status_t st;

	sf = cairo_svg_surface_create_for_stream(to_mem, m, W, H);
	cr = cairo_create(sf);
	draw(cr, c);
	st = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(sf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(sf);
	cairo_surface_destroy(sf);
	if (st != CAIRO_STATUS_SUCCESS) {
		ft_seterr(err, errlen, "cannot draw the chart: %s",
		       cairo_status_to_string(st));
		return -1;
	}
	return 0;
}

int
ft_chart_write(const ft_chart *c, const char *path, int format, char *err,
	       size_t errlen)
{
	struct membuf m = { 0 };
	char *tmp;
	FILE *f;
	int rc;

	if (format == FT_CHART_SVG) {
		rc = svg(c, &m, err, errlen);
	} else {
		rc = ft_chart_png(c, &m.p, &m.len, err, errlen);
	}
	if (rc)
		return -1;
	/* Written aside and renamed: a reader never sees half a chart. */
	tmp = ft_xasprintf("%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f || fwrite(m.p, 1, m.len, f) != m.len || fclose(f) != 0) {
		ft_seterr(err, errlen, "cannot write '%s': %s", tmp,
		       strerror(errno));
		if (f)
			unlink(tmp);
		free(tmp);
		free(m.p);
		return -1;
	}
	free(m.p);
	if (rename(tmp, path) != 0) {
		ft_seterr(err, errlen, "cannot rename '%s': %s", tmp,
		       strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

char *
ft_chart_new_path(const char *dir, const char *stem, const char *ext,
		  char *err, size_t errlen)
{
	int i, fd;
	char *path;

	if (ft_mkdirs(dir, 0777, err, errlen) != 0)
		return NULL;
	for (i = 1; i < 10000; i++) {
		path = i == 1 ? ft_xasprintf("%s/%s.%s", dir, stem, ext)
			      : ft_xasprintf("%s/%s-%d.%s", dir, stem, i, ext);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0) {
			close(fd);
			return path;
		}
		if (errno != EEXIST) {
			ft_seterr(err, errlen, "cannot create '%s': %s", path,
			       strerror(errno));
			free(path);
			return NULL;
		}
		free(path);
	}
	ft_seterr(err, errlen, "too many charts named '%s' in '%s'", stem, dir);
	return NULL;
}

/* Columns a UTF-8 string takes, counting each code point as one. */
static int
columns(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int
ft_chart_bars(FILE *f, const ft_chart *c, int width, int utf8)
{
	/* Eighths of a block, from one to seven. */
	static const char *const part[] = {
		"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a",
		"\u2589"
	};
	double max = 0;
	int lw = 0, vw = 0, i, k;
	char buf[64];
	size_t j;

	if (width < 1)
		width = 1;
	for (j = 0; j < c->n; j++) {
		if (c->values[j] > max)
			max = c->values[j];
		if ((i = columns(c->labels[j])) > lw)
			lw = i;
		number(buf, sizeof buf, c->values[j]);
		if ((i = (int)strlen(buf)) > vw)
			vw = i;
	}
	if (c->title && fprintf(f, "%s\n", c->title) < 0)
		return -1;
	for (j = 0; j < c->n; j++) {
		long eighths = max > 0 ? lround(c->values[j] / max * width * 8)
				       : 0;
		int cols = 0;

		if (c->values[j] > 0 && eighths == 0)
			eighths = 1;	/* a value above zero shows */
		fputs(c->labels[j], f);
		for (i = columns(c->labels[j]); i < lw + 1; i++)
			putc(' ', f);
		if (utf8) {
			for (k = 0; k < eighths / 8; k++, cols++)
				fputs("\u2588", f);
			if (eighths % 8) {
				fputs(part[eighths % 8], f);
				cols++;
			}
		} else {
			for (k = 0; k < (eighths + 4) / 8; k++, cols++)
				putc('#', f);
			if (cols == 0 && eighths > 0) {
				putc('#', f);
				cols++;
			}
		}
		number(buf, sizeof buf, c->values[j]);
		if (fprintf(f, "%*s %*s\n", width - cols, "", vw, buf) < 0)
			return -1;
	}
	return ferror(f) ? -1 : 0;
}
