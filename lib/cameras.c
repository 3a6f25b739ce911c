/*
 * cameras — the list of cameras: parsing it, the settings' file that
 * holds it, and how a source is shown to people who may not see its
 * password.
 *
 * The file is replaced whole (written beside it, then renamed), under a
 * lock on the state directory, so a reader sees the old list or the new
 * one and two writers do not lose each other's kept sources.
 */
#include "cameras.h"

#include "config.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_NAME "cameras"
/* The largest file there is reason for: every camera at its longest. */
#define FILE_MAX (FT_CAMERAS_MAX * \
		  (FT_CAMERA_NAME_MAX + FT_CAMERA_SOURCE_MAX + 2))
#define BLANKS " \t\r\n"
#define STR_(x) #x
#define STR(x) STR_(x)

static char *
copy_n(const char *p, size_t n)
{
	char *c = ft_xmalloc(n + 1);

	memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

/* Whether name may name a camera: what a record's source and a file
 * name can hold without quoting. */
static int
good_name(const char *name, size_t len)
{
	size_t i;

	if (!len || len > FT_CAMERA_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] >= 128 ||
		    !(isalnum((unsigned char)name[i]) ||
		      strchr("_.-", name[i])))
			return 0;
	return 1;
}

/* What is wrong with a source of len bytes, or NULL. */
static const char *
bad_source(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return "is empty";
	if (len > FT_CAMERA_SOURCE_MAX)
		return "is longer than " STR(FT_CAMERA_SOURCE_MAX) " bytes";
	if (s[0] == '-')
		return "starts with '-'";
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return "holds white space or a control character";
	return NULL;
}

void
ft_cameras_clear(ft_cameras *c)
{
	int i;

	for (i = 0; i < c->n; i++) {
		free(c->cam[i].name);
		free(c->cam[i].source);
	}
	memset(c, 0, sizeof *c);
}

/* The message of a camera that will not do: by its name when it has
 * one, else by its place. */
static void
camera_error(char *err, size_t errlen, const char *what,
	     const ft_camera *c, int i, const char *why)
{
	if (c->name)
		ft_seterr(err, errlen, "%s: the source of camera '%s' %s",
			  what, c->name, why);
	else
		ft_seterr(err, errlen, "%s: camera %d's source %s", what,
			  i + 1, why);
}

/* Whether two cameras of c share a name; the message names it. */
static int
same_names(const ft_cameras *c, const char *what, char *err, size_t errlen)
{
	int i, j;

	for (i = 0; i < c->n; i++)
		for (j = 0; j < i; j++)
			if (c->cam[i].name && c->cam[j].name &&
			    !strcmp(c->cam[i].name, c->cam[j].name)) {
				ft_seterr(err, errlen, "%s: two cameras named "
					  "'%s'", what, c->cam[i].name);
				return 1;
			}
	return 0;
}

const char *
ft_camera_name_end(const char *entry, size_t len)
{
	const char *eq = memchr(entry, '=', len);

	return eq && (size_t)(eq - entry) == strcspn(entry, ":/=") ? eq
								   : NULL;
}

int
ft_cameras_parse(const char *list, const char *what, ft_cameras *out,
		 char *err, size_t errlen)
{
	const char *q = list, *why;

	ft_cameras_clear(out);
	for (;;) {
		const char *e, *eq, *src;
		ft_camera *c;

		q += strspn(q, BLANKS);
		if (!*q)
			break;
		e = q + strcspn(q, BLANKS);
		if (out->n == FT_CAMERAS_MAX) {
			ft_seterr(err, errlen, "%s: more than %d cameras",
				  what, FT_CAMERAS_MAX);
			goto bad;
		}
		c = &out->cam[out->n++];
		src = q;
		if ((eq = ft_camera_name_end(q, (size_t)(e - q)))) {
			if (!good_name(q, (size_t)(eq - q)) || eq + 1 == e) {
				ft_seterr(err, errlen, "%s: bad entry '%.*s' "
					  "(NAME=SOURCE, NAME of letters, "
					  "digits, '_', '.', '-')", what,
					  (int)(eq - q < 64 ? eq - q : 64), q);
				goto bad;
			}
			c->name = copy_n(q, (size_t)(eq - q));
			src = eq + 1;
		}
		if ((why = bad_source(src, (size_t)(e - src)))) {
			camera_error(err, errlen, what, c, out->n - 1, why);
			goto bad;
		}
		c->source = copy_n(src, (size_t)(e - src));
		q = e;
	}
	if (!same_names(out, what, err, errlen))
		return FT_OK;
bad:
	ft_cameras_clear(out);
	return FT_EINVAL;
}

/* The settings' file into *text (NULL when there is none).  FT_OK or
 * FT_EFAIL. */
static int
read_file(const char *path, char **text, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	*text = NULL;
	if (fd < 0) {
		if (errno == ENOENT)
			return FT_OK;
		ft_seterr(err, errlen, "cannot open %s: %s", path,
			  strerror(errno));
		return FT_EFAIL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > FILE_MAX) {
		ft_seterr(err, errlen, "%s: not a file of at most %d bytes",
			  path, FILE_MAX);
		close(fd);
		return FT_EFAIL;
	}
	*text = ft_xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size &&
	       (n = read(fd, *text + len, (size_t)st.st_size - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ft_seterr(err, errlen, "cannot read %s: %s", path,
				  strerror(errno));
			free(*text);
			*text = NULL;
			close(fd);
			return FT_EFAIL;
		}
		len += (size_t)n;
	}
	(*text)[len] = '\0';
	close(fd);
	return FT_OK;
}

/* The cameras in force, with the state directory dir. */
static int
load(const char *dir, ft_cameras *out, char *err, size_t errlen)
{
	char *path = ft_xasprintf("%s/" FILE_NAME, dir), *text;
	int rc = read_file(path, &text, err, errlen);

	ft_cameras_clear(out);
	if (rc == FT_OK && text) {
		rc = ft_cameras_parse(text, path, out, err, errlen);
		if (rc == FT_OK && !out->n) {
			ft_seterr(err, errlen, "%s: no camera", path);
			rc = FT_EINVAL;
		}
		out->from = "settings";
	} else if (rc == FT_OK) {
		rc = ft_cameras_parse(ft_config_get("FT_SOURCES", ""),
				      "FT_SOURCES", out, err, errlen);
		out->from = "FT_SOURCES";
		if (rc == FT_OK && !out->n) {
			out->cam[0].source = ft_xstrdup(
				ft_config_get("FT_CAMERA", "/dev/video0"));
			out->n = 1;
			out->from = "FT_CAMERA";
		}
	}
	free(text);
	free(path);
	return rc;
}

int
ft_cameras_load(ft_cameras *out, char *err, size_t errlen)
{
	char *dir;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = ft_config_state_dir(&dir, err, errlen)) != FT_OK)
		return rc;
	rc = load(dir, out, err, errlen);
	free(dir);
	return rc;
}

/* --- showing a source --- */

/* Whether a query parameter's name says its value is a secret. */
static int
secret_name(const char *name, size_t len)
{
	static const char *const words[] = {
		"pass", "pwd", "token", "secret", "key", "auth", "cred",
		"signature", NULL
	};
	char low[64];
	size_t i;

	if (len >= sizeof low)
		return 1;
	for (i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[len] = '\0';
	for (i = 0; words[i]; i++)
		if (strstr(low, words[i]))
			return 1;
	return 0;
}

char *
ft_camera_shown(const char *source)
{
	const char *auth = strstr(source, "://"), *end, *at = NULL, *colon;
	const char *p;
	size_t n = 0, params = 0;
	char *out;

	if (!auth)
		return ft_xstrdup(source);
	auth += 3;
	/* As FFmpeg reads a URL: the authority ends at the first '/', '?'
	 * or '#'; the user's part at its last '@'; the password follows
	 * the user's first ':'. */
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	/* Each "***" stands for the password or a parameter's value, at
	 * worst three bytes more than what it hides. */
	for (p = source; *p; p++)
		params += *p == '?' || *p == '&';
	out = ft_xmalloc(strlen(source) + 3 * (params + 1) + 1);
	p = source;
	if (colon) {
		n = (size_t)(colon - source) + 1;
		memcpy(out, source, n);
		memcpy(out + n, "***", 3);
		n += 3;
		p = at;
	}
	/* Then the path, and the query parameter by parameter. */
	for (;;) {
		size_t k = strcspn(p, "?&#"), namelen;
		const char *eq;

		memcpy(out + n, p, k);
		n += k;
		p += k;
		if (*p != '?' && *p != '&')
			break;
		out[n++] = *p++;
		k = strcspn(p, "&#");
		eq = memchr(p, '=', k);
		if (p > end && eq &&
		    secret_name(p, namelen = (size_t)(eq - p))) {
			memcpy(out + n, p, namelen + 1);
			memcpy(out + n + namelen + 1, "***", 3);
			n += namelen + 4;
			p += k;
		}
	}
	strcpy(out + n, p);	/* the fragment, if any */
	return out;
}

jv
ft_cameras_record(const ft_cameras *c)
{
	jv a = jv_array(), o = jv_object();
	int i;

	for (i = 0; i < c->n; i++) {
		char *shown = ft_camera_shown(c->cam[i].source);
		jv cam = jv_object();

		cam = jv_object_set(cam, jv_string("name"), c->cam[i].name ?
				    jv_string(c->cam[i].name) : jv_null());
		cam = jv_object_set(cam, jv_string("source"),
				    jv_string(shown));
		a = jv_array_append(a, cam);
		free(shown);
	}
	o = jv_object_set(o, jv_string("type"), jv_string("cameras"));
	o = jv_object_set(o, jv_string("from"),
			  jv_string(c->from ? c->from : "FT_CAMERA"));
	return jv_object_set(o, jv_string("cameras"), a);
}

/* --- the settings' file --- */

/* The camera of item, list[i], into c; its source from now when it
 * keeps one (now loaded on first need).  item is consumed.  FT_OK or
 * FT_EINVAL, or the load's code. */
static int
camera_of(jv item, int i, ft_camera *c, const char *dir, ft_cameras *now,
	  char *err, size_t errlen)
{
	jv name = jv_object_get(jv_copy(item), jv_string("name"));
	jv src = jv_object_get(jv_copy(item), jv_string("source"));
	const char *why;
	int rc = FT_EINVAL, j, members = jv_object_length(jv_copy(item));

	if (jv_get_kind(name) != JV_KIND_STRING ||
	    !good_name(jv_string_value(name),
		       (size_t)jv_string_length_bytes(jv_copy(name)))) {
		ft_seterr(err, errlen, "camera %d: 'name' must be 1 to %d "
			  "letters, digits, '_', '.' or '-'", i + 1,
			  FT_CAMERA_NAME_MAX);
	} else if (members != 1 + (jv_get_kind(src) != JV_KIND_INVALID)) {
		ft_seterr(err, errlen, "camera '%s': only 'name' and "
			  "'source' may be given", jv_string_value(name));
	} else if (jv_get_kind(src) == JV_KIND_STRING) {
		c->name = ft_xstrdup(jv_string_value(name));
		if ((why = bad_source(jv_string_value(src),
				      (size_t)jv_string_length_bytes(
					      jv_copy(src)))))
			camera_error(err, errlen, "cameras", c, i, why);
		else {
			c->source = ft_xstrdup(jv_string_value(src));
			rc = FT_OK;
		}
	} else if (jv_get_kind(src) != JV_KIND_NULL &&
		   jv_get_kind(src) != JV_KIND_INVALID) {
		ft_seterr(err, errlen, "camera %d: 'source' must be a "
			  "string, or null to keep the source it has",
			  i + 1);
	} else if (!now->n && (rc = load(dir, now, err, errlen)) != FT_OK) {
		/* the message is the load's */
	} else {
		c->name = ft_xstrdup(jv_string_value(name));
		for (j = 0; j < now->n; j++)
			if (now->cam[j].name &&
			    !strcmp(now->cam[j].name, c->name))
				break;
		if (j < now->n) {
			c->source = ft_xstrdup(now->cam[j].source);
			rc = FT_OK;
		} else {
			ft_seterr(err, errlen, "camera '%s' has no source to "
				  "keep: give one", c->name);
			rc = FT_EINVAL;
		}
	}
	jv_free(name);
	jv_free(src);
	jv_free(item);
	return rc;
}

/* Write c as the file, replacing it whole.  FT_OK or FT_EFAIL. */
static int
write_file(const char *dir, int dirfd, const ft_cameras *c, char *err,
	   size_t errlen)
{
	char *path = ft_xasprintf("%s/" FILE_NAME, dir);
	char *tmp = ft_xasprintf("%s.tmp", path);
	int fd, i, rc = FT_EFAIL;
	FILE *f;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0 || fchmod(fd, 0600) != 0 || !(f = fdopen(fd, "w"))) {
		ft_seterr(err, errlen, "cannot write %s: %s", tmp,
			  strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	for (i = 0; i < c->n; i++)
		fprintf(f, "%s=%s\n", c->cam[i].name, c->cam[i].source);
	if (fflush(f) != 0 || fsync(fd) != 0) {
		ft_seterr(err, errlen, "cannot write %s: %s", tmp,
			  strerror(errno));
		fclose(f);
		unlink(tmp);
		goto out;
	}
	fclose(f);
	if (rename(tmp, path) != 0) {
		ft_seterr(err, errlen, "cannot replace %s: %s", path,
			  strerror(errno));
		unlink(tmp);
		goto out;
	}
	fsync(dirfd);
	rc = FT_OK;
out:
	free(tmp);
	free(path);
	return rc;
}

/* The state directory, opened and locked against other writers into
 * *fd.  FT_OK or an FT_E* code. */
static int
lock_dir(char **dir, int *fd, char *err, size_t errlen)
{
	int rc = ft_config_state_dir(dir, err, errlen);

	if (rc != FT_OK)
		return rc;
	*fd = open(*dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0 || flock(*fd, LOCK_EX) != 0) {
		ft_seterr(err, errlen, "cannot lock %s: %s", *dir,
			  strerror(errno));
		if (*fd >= 0)
			close(*fd);
		free(*dir);
		*dir = NULL;
		return FT_EFAIL;
	}
	return FT_OK;
}

int
ft_cameras_set(jv list, char *err, size_t errlen)
{
	ft_cameras now = { 0 }, want = { 0 };
	char *dir;
	int rc, fd, i, n;

	if (jv_get_kind(list) != JV_KIND_ARRAY ||
	    (n = jv_array_length(jv_copy(list))) < 1 || n > FT_CAMERAS_MAX) {
		ft_seterr(err, errlen, "cameras: a list of 1 to %d cameras "
			  "is needed", FT_CAMERAS_MAX);
		jv_free(list);
		return FT_EINVAL;
	}
	if ((rc = lock_dir(&dir, &fd, err, errlen)) != FT_OK) {
		jv_free(list);
		return rc;
	}
	for (i = 0; i < n && rc == FT_OK; i++) {
		jv item = jv_array_get(jv_copy(list), i);

		if (jv_get_kind(item) != JV_KIND_OBJECT) {
			ft_seterr(err, errlen, "camera %d: an object "
				  "{\"name\", \"source\"} is needed", i + 1);
			rc = FT_EINVAL;
		} else {
			rc = camera_of(jv_copy(item), i, &want.cam[i], dir,
				       &now, err, errlen);
		}
		want.n = i + 1;
		jv_free(item);
	}
	if (rc == FT_OK && same_names(&want, "cameras", err, errlen))
		rc = FT_EINVAL;
	if (rc == FT_OK)
		rc = write_file(dir, fd, &want, err, errlen);
	close(fd);		/* and the lock with it */
	ft_cameras_clear(&now);
	ft_cameras_clear(&want);
	free(dir);
	jv_free(list);
	return rc;
}

int
ft_cameras_reset(char *err, size_t errlen)
{
	char *dir, *path;
	int rc, fd;

	if ((rc = lock_dir(&dir, &fd, err, errlen)) != FT_OK)
		return rc;
	path = ft_xasprintf("%s/" FILE_NAME, dir);
	if (unlink(path) != 0 && errno != ENOENT) {
		ft_seterr(err, errlen, "cannot remove %s: %s", path,
			  strerror(errno));
		rc = FT_EFAIL;
	} else {
		fsync(fd);
	}
	close(fd);
	free(path);
	free(dir);
	return rc;
}
