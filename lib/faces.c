/*
 * faces — model files and still images for the programs of the face
 * pipeline.
 */
#include "faces.h"
#include "jsonl.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
ft_faces_descriptor_path(void)
{
	return ft_xstrdup(ft_face_descriptor_path());
}

char *
ft_faces_shape_path(void)
{
	return ft_xstrdup(ft_face_shape_path());
}

/* NULL when both model files can be read, else a message about the
 * first that cannot. */
static char *
missing_model(void)
{
	const char *paths[2] = { ft_face_descriptor_path(),
	    ft_face_shape_path() };
	int i;

	for (i = 0; i < 2; i++)
		if (access(paths[i], R_OK) != 0)
			return ft_xasprintf("cannot read the model '%s': %s "
			    "(make models gets it; FT_MODEL_DESCRIPTOR and "
			    "FT_MODEL_SHAPE name other files)", paths[i],
			    strerror(errno));
	return NULL;
}

ft_face_ctx *
ft_faces_open(char **errp)
{
	ft_face_ctx *ctx;
	char *err = NULL;

	if ((*errp = missing_model()))
		return NULL;
	ctx = ft_face_open_config(1, 1, &err);
	if (!ctx)
		*errp = err ? err : ft_xstrdup("out of memory");
	return ctx;
}

int
ft_faces_list_models(FILE *f)
{
	ft_face_model_info info[4];
	ft_face_ctx *ctx;
	char *err;
	int i, n, status = 0;

	if (!(ctx = ft_faces_open(&err))) {
		ft_warn("%s", err);
		free(err);
		return 1;
	}
	if ((n = ft_face_models(ctx, info, 4)) < 0) {
		ft_warn("%s", ft_face_errmsg(ctx));
		ft_face_close(ctx);
		return 1;
	}
	for (i = 0; i < n && i < 4; i++) {
		jv o = jv_object();

		o = jv_object_set(o, jv_string("type"), jv_string("model"));
		o = jv_object_set(o, jv_string("role"),
		    jv_string(info[i].role));
		o = jv_object_set(o, jv_string("path"),
		    jv_string(info[i].path));
		o = jv_object_set(o, jv_string("sha256"),
		    ft_jv_string_or_null(info[i].sha256));
		o = jv_object_set(o, jv_string("kind"),
		    ft_jv_string_or_null(info[i].kind));
		o = jv_object_set(o, jv_string("from"),
		    ft_jv_string_or_null(info[i].origin));
		o = jv_object_set(o, jv_string("licence"),
		    ft_jv_string_or_null(info[i].licence));
		if (ft_jsonl_write(f, o) != 0)
			status = -1;
	}
	ft_face_close(ctx);
	return status;
}

int
ft_faces_still(ft_face_ctx *ctx, const ft_image *img, ft_face_box *out,
    int max)
{
	ft_face_detect_opts o = { 0, 0, 0 };
	int n = ft_face_detect(ctx, img->pixels, img->width, img->height,
	    img->stride, img->channels, &o, out, max);

	if (n == 0) {
		o.upsample = 1;
		n = ft_face_detect(ctx, img->pixels, img->width, img->height,
		    img->stride, img->channels, &o, out, max);
	}
	return n;
}

int
ft_faces_largest(const ft_face_box *boxes, int n)
{
	int i, best = 0;

	for (i = 1; i < n; i++)
		if ((long)boxes[i].width * boxes[i].height >
		    (long)boxes[best].width * boxes[best].height)
			best = i;
	return best;
}
