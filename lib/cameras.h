/*
 * cameras — the cameras recognition runs on, one pipeline each.
 *
 * The list comes from the first of:
 *   the settings: the file "cameras" in the state directory
 *       (ft_config_state_dir), written by ft-schedule cameras and by
 *       ft-serve's settings page, one NAME=SOURCE a line, mode 0600 (a
 *       stream's URL may hold a password);
 *   FT_SOURCES (read through config.h): NAME=SOURCE or a bare SOURCE,
 *       separated by white space;
 *   FT_CAMERA: one unnamed camera, default /dev/video0.
 *
 * A name is 1 to 63 letters, digits, '_', '.' or '-' (it becomes the
 * records' source); a source is a device, a stream URL or a footage file
 * of 1 to FT_CAMERA_SOURCE_MAX bytes without white space or control
 * characters, not starting with '-'.  There are at most FT_CAMERAS_MAX
 * cameras, with distinct names.
 *
 * Functions that can fail return FT_OK or an FT_E* code of errors.h and
 * write a message (lower case, no program name) into err; none prints.
 */
#ifndef FT_CAMERAS_H
#define FT_CAMERAS_H

#include "errors.h"

#include <stddef.h>

#include <jv.h>

#define FT_CAMERAS_MAX 16
#define FT_CAMERA_NAME_MAX 63
#define FT_CAMERA_SOURCE_MAX 1024

typedef struct ft_camera {
	char *name;		/* NULL: unnamed (a bare source) */
	char *source;
} ft_camera;

typedef struct ft_cameras {
	int n;
	ft_camera cam[FT_CAMERAS_MAX];
	const char *from;	/* "settings", "FT_SOURCES" or "FT_CAMERA" */
} ft_cameras;

/* The '=' that ends the name of an entry NAME=SOURCE of len bytes, or
 * NULL for a bare source: a name comes before any ':' or '/', so a
 * URL's '=' names nothing. */
const char *ft_camera_name_end(const char *entry, size_t len);

/* Parse a list as FT_SOURCES holds it into out (cleared first); what
 * names the list in messages.  An empty list gives no camera.  FT_OK, or
 * FT_EINVAL with a message; out is then empty. */
int ft_cameras_parse(const char *list, const char *what, ft_cameras *out,
		     char *err, size_t errlen);

/* The cameras in force (see above); out has at least one.  FT_OK, or an
 * FT_E* code: no state directory, an unreadable or malformed file, a
 * malformed FT_SOURCES. */
int ft_cameras_load(ft_cameras *out, char *err, size_t errlen);

/* Free what a parse or a load allocated; c is then empty. */
void ft_cameras_clear(ft_cameras *c);

/* A source as it may be shown: a URL's password, and the values of its
 * query's parameters named like a password, a key or a token, replaced
 * by "***".  The caller frees it. */
char *ft_camera_shown(const char *source);

/* {"type":"cameras","from","cameras":[{"name","source"}]}, each source
 * as ft_camera_shown gives it. */
jv ft_cameras_record(const ft_cameras *c);

/* Make list the cameras of the settings: an array of 1 to
 * FT_CAMERAS_MAX objects {"name", "source"}, every camera named; a
 * source that is null or missing keeps the source of the camera of that
 * name in force now.  list is consumed.  FT_OK, FT_EINVAL with a message
 * for a list it will not take, or FT_EFAIL when the file cannot be
 * written. */
int ft_cameras_set(jv list, char *err, size_t errlen);

/* Forget the settings' cameras: FT_SOURCES or FT_CAMERA apply again.
 * FT_OK (also when there were none) or FT_EFAIL. */
int ft_cameras_reset(char *err, size_t errlen);

#endif
