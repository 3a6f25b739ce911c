/*
 * faces — model files and still images for the programs of the face
 * pipeline.
 */
#include "faces.h"
#include "config.h"
#include "jsonl.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The directory of the running program, with a trailing slash. */
static char *
exe_dir(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	char *slash;

	if (n <= 0)
		return ft_xstrdup("./");
	buf[n] = 0;
	if ((slash = strrchr(buf, '/')))
		slash[1] = 0;
	return ft_xstrdup(buf);
}

static const char *
models_dir(void)
{
	static char *dir;
	const char *set = ft_config_get("FT_MODELS_DIR", NULL);
	char *exe, *real;

	if (set)
		return set;
	if (dir)
		return dir;
	exe = exe_dir();
	dir = ft_xasprintf("%s../models", exe);
	if (access(dir, F_OK) != 0) {
		free(dir);
		dir = ft_xasprintf("%s../share/facetrack/models", exe);
	}
	free(exe);
	if ((real = realpath(dir, NULL))) {
		free(dir);
		dir = real;
	}
	return dir;
}

static char *
model_path(const char *key, const char *file)
{
	const char *set = ft_config_get(key, NULL);

	return set ? ft_xstrdup(set) :
	    ft_xasprintf("%s/%s", models_dir(), file);
}

char *
ft_faces_descriptor_path(void)
{
	return model_path("FT_MODEL_DESCRIPTOR", FT_FACES_DESCRIPTOR_FILE);
}

char *
ft_faces_shape_path(void)
{
	return model_path("FT_MODEL_SHAPE", FT_FACES_SHAPE_FILE);
}

ft_face_ctx *
ft_faces_open(char **errp)
{
	char *d = ft_faces_descriptor_path(), *s = ft_faces_shape_path();
	ft_face_ctx *ctx;
	char *err = NULL;

	*errp = NULL;
	if (access(d, R_OK) != 0 || access(s, R_OK) != 0) {
		const char *miss = access(d, R_OK) != 0 ? d : s;

		*errp = ft_xasprintf("cannot read the model '%s': %s (make "
		    "models gets it; FT_MODEL_DESCRIPTOR and FT_MODEL_SHAPE "
		    "name other files)", miss, strerror(errno));
		free(d);
		free(s);
		return NULL;
	}
	ctx = ft_face_open(d, s, &err);
	if (!ctx)
		*errp = err ? err : ft_xstrdup("out of memory");
	free(d);
	free(s);
	return ctx;
}

/* Where a model file came from and its terms, from its name. */
static void
origin(const char *path, const char **from, const char **licence)
{
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	if (strstr(b, "faceapi")) {
		*from = "dlib face recognition ResNet with the weights of "
		    "npm @vladmandic/face-api, converted by make models";
		*licence = "MIT (face-api weights), Boost (dlib network)";
	} else if (strstr(b, "resnet")) {
		*from = "dlib_face_recognition_resnet_model_v1 (dlib-models)";
		*licence = "Boost Software License";
	} else if (strstr(b, "_68_")) {
		*from = "dlib 68-point shape predictor (Debian libdlib-data)";
		*licence = "Boost; trained on iBUG 300-W, whose licence "
		    "excludes commercial use";
	} else if (strstr(b, "_5_")) {
		*from = "dlib 5-point shape predictor (dlib-models)";
		*licence = "public domain (CC0)";
	} else {
		*from = "named by the configuration";
		*licence = "unknown";
	}
}

/* The SHA-256 make models listed for path's file name, or NULL. */
static char *
listed_sha256(const char *path)
{
	char *list = ft_xasprintf("%s/models.sha256", models_dir());
	const char *b = strrchr(path, '/');
	FILE *f = fopen(list, "r");
	char line[1024], *found = NULL;

	b = b ? b + 1 : path;
	free(list);
	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof line, f)) {
		char *name, *p;

		if (strlen(line) < 67 || line[64] != ' ')
			continue;
		name = line + 66;
		if ((p = strchr(name, '\n')))
			*p = 0;
		if ((p = strrchr(name, '/')))
			name = p + 1;
		if (!strcmp(name, b)) {
			line[64] = 0;
			found = ft_xstrdup(line);
		}
	}
	fclose(f);
	return found;
}

int
ft_faces_list_models(FILE *f)
{
	char *paths[2] = { ft_faces_descriptor_path(), ft_faces_shape_path() };
	static const char *const roles[2] = { "descriptor", "landmarks" };
	int i, status = 0;

	for (i = 0; i < 2; i++) {
		const char *from, *licence;
		char *sum = listed_sha256(paths[i]);
		jv o = jv_object();

		origin(paths[i], &from, &licence);
		if (access(paths[i], R_OK) != 0) {
			ft_warn("cannot read the model '%s': %s (make models "
			    "gets it)", paths[i], strerror(errno));
			status = 1;
		}
		o = jv_object_set(o, jv_string("type"), jv_string("model"));
		o = jv_object_set(o, jv_string("role"), jv_string(roles[i]));
		o = jv_object_set(o, jv_string("path"), jv_string(paths[i]));
		o = jv_object_set(o, jv_string("sha256"),
		    ft_jv_string_or_null(sum));
		o = jv_object_set(o, jv_string("from"), jv_string(from));
		o = jv_object_set(o, jv_string("licence"),
		    jv_string(licence));
		free(sum);
		free(paths[i]);
		if (ft_jsonl_write(f, o) != 0)
			status = -1;
	}
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
