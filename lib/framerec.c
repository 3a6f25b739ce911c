/*
 * framerec — frame records in and out (framerec.h).
 */
#include "framerec.h"
#include "base64.h"
#include "times.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

jv
ft_framerec_encode(const char *source, long long seq, int64_t ts,
    int width, int height, const uint8_t *jpeg, size_t len,
    const char *path)
{
	char tbuf[FT_TIME_BUFSZ];
	jv rec = jv_object();

	rec = jv_object_set(rec, jv_string("type"), jv_string("frame"));
	rec = jv_object_set(rec, jv_string("source"), jv_string(source));
	rec = jv_object_set(rec, jv_string("seq"), jv_number((double)seq));
	rec = jv_object_set(rec, jv_string("ts"),
	    jv_string(ft_time_format(ts, tbuf)));
	rec = jv_object_set(rec, jv_string("width"), jv_number(width));
	rec = jv_object_set(rec, jv_string("height"), jv_number(height));
	if (path) {
		rec = jv_object_set(rec, jv_string("path"), jv_string(path));
	} else {
		char *b64 = ft_base64_encode(jpeg, len);

		rec = jv_object_set(rec, jv_string("jpeg"), jv_string(b64));
		free(b64);
	}
	return rec;
}

/* The string member key of rec, or NULL; valid while rec is. */
static const char *
member(jv rec, const char *key, jv *hold)
{
	*hold = jv_object_get(jv_copy(rec), jv_string(key));
	return jv_get_kind(*hold) == JV_KIND_STRING ?
	    jv_string_value(*hold) : NULL;
}

/* The picture of a frame record into img. */
static int
pixels(jv rec, const char *path, ft_image *img, char **errp)
{
	jv j;
	const char *b64 = member(rec, "jpeg", &j);
	int rc = -1;
	char *e;

	if (b64) {
		size_t len;
		uint8_t *bytes = ft_base64_decode(b64,
		    (size_t)jv_string_length_bytes(jv_copy(j)), &len);

		if (!bytes) {
			*errp = ft_xstrdup("'jpeg' is not base64");
		} else if ((rc = ft_image_decode(bytes, len, img, &e))) {
			*errp = ft_xasprintf("bad 'jpeg': %s", e);
			free(e);
		}
		free(bytes);
	} else if (path) {
		if ((rc = ft_image_read(path, img, &e))) {
			*errp = ft_xasprintf("cannot read '%s': %s", path, e);
			free(e);
		}
	} else {
		*errp = ft_xstrdup("frame without 'jpeg' or 'path'");
	}
	jv_free(j);
	return rc;
}

int
ft_framerec_decode(jv rec, ft_framerec *fr, ft_image *img, char **errp)
{
	jv type, ts, src, path;
	const char *s;
	int rc = 1;

	memset(fr, 0, sizeof *fr);
	fr->seq = jv_null();
	*errp = NULL;
	s = member(rec, "type", &type);
	if (!s || strcmp(s, "frame")) {
		jv_free(type);
		return 0;
	}
	jv_free(type);
	s = member(rec, "ts", &ts);
	if (!s || ft_time_parse(s, 0, 0, &fr->ts)) {
		*errp = ft_xstrdup("frame without a valid 'ts'");
		rc = -1;
	}
	jv_free(ts);
	if (rc < 0)
		return rc;
	s = member(rec, "source", &src);
	fr->source = ft_xstrdup(s ? s : "unknown");
	jv_free(src);
	s = member(rec, "path", &path);
	fr->path = s ? ft_xstrdup(s) : NULL;
	jv_free(path);
	fr->seq = jv_object_get(jv_copy(rec), jv_string("seq"));
	if (jv_get_kind(fr->seq) != JV_KIND_NUMBER) {
		jv_free(fr->seq);
		fr->seq = jv_null();
	}
	return pixels(rec, fr->path, img, errp) ? -1 : 1;
}

void
ft_framerec_clear(ft_framerec *fr)
{
	free(fr->source);
	free(fr->path);
	jv_free(fr->seq);
	memset(fr, 0, sizeof *fr);
	fr->seq = jv_null();
}
