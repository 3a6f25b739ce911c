/*
 * Unit tests of lib/cameras: lists as FT_SOURCES holds them, parsed and
 * refused; sources shown without their passwords; the settings' file
 * taking the place of FT_SOURCES and FT_CAMERA, written whole with mode
 * 0600, a null source keeping a camera's own, bad lists changing
 * nothing.
 */
#include "cameras.h"
#include "config.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/ft-test-cameras-XXXXXX";

/* Whether list parses to the n cameras NAME=SOURCE (or SOURCE) of want,
 * separated by single spaces. */
static int
parses_to(const char *list, const char *want)
{
	ft_cameras c = { 0 };
	char err[256], got[4096] = "";
	size_t n = 0;
	int i;

	if (ft_cameras_parse(list, "L", &c, err, sizeof err) != FT_OK) {
		diag("refused: %s", err);
		return 0;
	}
	for (i = 0; i < c.n; i++)
		n += (size_t)snprintf(got + n, sizeof got - n, "%s%s%s%s",
				      i ? " " : "", c.cam[i].name ?
				      c.cam[i].name : "", c.cam[i].name ?
				      "=" : "", c.cam[i].source);
	ft_cameras_clear(&c);
	if (strcmp(got, want))
		diag("got '%s'", got);
	return !strcmp(got, want);
}

/* Whether list is refused with a message holding why. */
static int
refused(const char *list, const char *why)
{
	ft_cameras c = { 0 };
	char err[256] = "";
	int rc = ft_cameras_parse(list, "L", &c, err, sizeof err);

	if (rc == FT_OK || !strstr(err, why))
		diag("'%s': rc %d, '%s'", list, rc, err);
	return rc == FT_EINVAL && strstr(err, why) && c.n == 0;
}

static void
test_parse(void)
{
	char list[40 * 20] = "", *many;
	size_t n = 0;
	int i;

	ok(parses_to("", "") && parses_to(" \n\t ", ""),
	   "an empty list has no camera");
	ok(parses_to("door=rtsp://10.0.0.7/s1 till=/dev/video0",
		     "door=rtsp://10.0.0.7/s1 till=/dev/video0"),
	   "named cameras, separated by a space");
	ok(parses_to("\n door=/a\n\ttill=/b\r\n", "door=/a till=/b"),
	   "lines and tabs separate too");
	ok(parses_to("/dev/video0 rtsp://h/s?a=b", "/dev/video0 rtsp://h/s?a=b"),
	   "bare sources; a URL's '=' is no name");
	ok(parses_to("http://h/x?n=1", "http://h/x?n=1"),
	   "a query's '=' after ':' is no name");
	ok(refused("b@d=x", "bad entry 'b@d'"), "a bad name is refused");
	ok(refused("door=", "bad entry 'door'"), "a name without source");
	ok(refused("a=/x a=/y", "two cameras named 'a'"), "names are distinct");
	ok(refused("a=-i", "starts with '-'"), "a source may not be an option");
	ok(refused("a=/x\001y", "control character"),
	   "a control character is refused");
	many = malloc(FT_CAMERA_SOURCE_MAX + 8);
	memcpy(many, "a=/", 3);
	memset(many + 3, 'x', FT_CAMERA_SOURCE_MAX - 1);
	many[FT_CAMERA_SOURCE_MAX + 2] = '\0';
	ok(parses_to(many, many), "a source of the longest length");
	many[FT_CAMERA_SOURCE_MAX + 2] = 'x';
	many[FT_CAMERA_SOURCE_MAX + 3] = '\0';
	ok(refused(many, "longer than 1024 bytes"), "a longer one is refused");
	free(many);
	for (i = 0; i < FT_CAMERAS_MAX; i++)
		n += (size_t)snprintf(list + n, sizeof list - n, "c%d=/d%d ",
				      i, i);
	{
		ft_cameras c = { 0 };
		char err[256];

		ok(ft_cameras_parse(list, "L", &c, err, sizeof err) == FT_OK &&
		   c.n == FT_CAMERAS_MAX, "sixteen cameras are taken");
		ft_cameras_clear(&c);
	}
	snprintf(list + n, sizeof list - n, "c99=/d99");
	ok(refused(list, "more than 16 cameras"), "seventeen are refused");
}

static void
test_shown(void)
{
	static const char *const cases[][2] = {
		{ "rtsp://admin:s3cret@10.0.0.7:554/s1",
		  "rtsp://admin:***@10.0.0.7:554/s1" },
		{ "rtsp://admin:p@ss@10.0.0.7/s1", "rtsp://admin:***@10.0.0.7/s1" },
		{ "rtsp://:pw@h/s", "rtsp://:***@h/s" },
		{ "rtsp://admin@h/s", "rtsp://admin@h/s" },
		{ "rtsp://h:554/s@1", "rtsp://h:554/s@1" },
		{ "http://h:88/cgi?cmd=Get&usr=admin&pwd=x1#f",
		  "http://h:88/cgi?cmd=Get&usr=admin&pwd=***#f" },
		{ "http://h/v?Password=x&channel=1&api_key=k&token=t",
		  "http://h/v?Password=***&channel=1&api_key=***&token=***" },
		{ "http://u:p@h/v?auth=a", "http://u:***@h/v?auth=***" },
		{ "/dev/video0", "/dev/video0" },
		{ "/srv/footage/pwd=x.mp4", "/srv/footage/pwd=x.mp4" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *s = ft_camera_shown(cases[i][0]);

		is_str(s, cases[i][1], "shown: '%s'", cases[i][1]);
		free(s);
	}
}

/* The cameras in force as NAME=SOURCE separated by spaces, then where
 * they came from. */
static char *
in_force(void)
{
	static char buf[4096];
	ft_cameras c;
	char err[256];
	size_t n = 0;
	int i;

	if (ft_cameras_load(&c, err, sizeof err) != FT_OK) {
		snprintf(buf, sizeof buf, "error: %s", err);
		return buf;
	}
	for (i = 0; i < c.n; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s=%s ",
				      c.cam[i].name ? c.cam[i].name : "",
				      c.cam[i].source);
	snprintf(buf + n, sizeof buf - n, "(%s)", c.from);
	ft_cameras_clear(&c);
	return buf;
}

static char *
file_text(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return f ? buf : NULL;
}

static int
set(const char *json, char *err, size_t errlen)
{
	return ft_cameras_set(jv_parse(json), err, errlen);
}

static void
test_settings(void)
{
	char *path = NULL, err[256];
	struct stat st;

	if (asprintf(&path, "%s/cameras", root) < 0)
		abort();
	setenv("FT_STATE_DIR", root, 1);
	unsetenv("FT_SOURCES");
	unsetenv("FT_CAMERA");
	is_str(in_force(), "=/dev/video0 (FT_CAMERA)",
	       "without settings: FT_CAMERA's default");
	setenv("FT_CAMERA", "/dev/video3", 1);
	is_str(in_force(), "=/dev/video3 (FT_CAMERA)", "FT_CAMERA");
	setenv("FT_SOURCES", "a=/dev/video1 b=/dev/video2", 1);
	is_str(in_force(), "a=/dev/video1 b=/dev/video2 (FT_SOURCES)",
	       "FT_SOURCES over FT_CAMERA");

	is_int(set("[{\"name\":\"door\",\"source\":\"rtsp://u:pw@h/s\"},"
		   "{\"name\":\"b\",\"source\":null}]", err, sizeof err),
	       FT_OK, "set: a new camera and one kept from FT_SOURCES");
	is_str(file_text(path), "door=rtsp://u:pw@h/s\nb=/dev/video2\n",
	       "the file holds every camera whole");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	   "the file is the user's alone");
	is_str(in_force(), "door=rtsp://u:pw@h/s b=/dev/video2 (settings)",
	       "the settings over FT_SOURCES");

	is_int(set("[{\"name\":\"door\"},{\"name\":\"c\",\"source\":\"/v\"}]",
		   err, sizeof err), FT_OK, "set: door kept, without 'source'");
	is_str(file_text(path), "door=rtsp://u:pw@h/s\nc=/v\n",
	       "the kept source is the settings' own");

	is_int(set("[{\"name\":\"zz\"}]", err, sizeof err), FT_EINVAL,
	       "a camera with nothing to keep is refused");
	ok(strstr(err, "'zz' has no source") != NULL, "... saying so: %s",
	   err);
	is_int(set("[]", err, sizeof err), FT_EINVAL, "no camera is refused");
	is_int(set("{}", err, sizeof err), FT_EINVAL, "an object is refused");
	is_int(set("[{\"source\":\"/v\"}]", err, sizeof err), FT_EINVAL,
	       "an unnamed camera is refused");
	is_int(set("[{\"name\":\"a\",\"source\":\"/v\",\"x\":1}]", err,
		   sizeof err), FT_EINVAL, "another member is refused");
	is_int(set("[{\"name\":\"a\",\"source\":3}]", err, sizeof err),
	       FT_EINVAL, "a source that is no string is refused");
	is_int(set("[{\"name\":\"a\",\"source\":\"/v\"},"
		   "{\"name\":\"a\",\"source\":\"/w\"}]", err, sizeof err),
	       FT_EINVAL, "two of a name are refused");
	is_str(file_text(path), "door=rtsp://u:pw@h/s\nc=/v\n",
	       "refused lists leave the file as it was");

	is_int(ft_cameras_reset(err, sizeof err), FT_OK, "reset");
	ok(file_text(path) == NULL, "reset removes the file");
	is_str(in_force(), "a=/dev/video1 b=/dev/video2 (FT_SOURCES)",
	       "after reset: FT_SOURCES again");
	is_int(ft_cameras_reset(err, sizeof err), FT_OK,
	       "reset without settings");

	{
		FILE *f = fopen(path, "w");

		fputs("ok=/v\nb@d=/w\n", f);
		fclose(f);
	}
	ok(strstr(in_force(), "bad entry 'b@d'") != NULL,
	   "a malformed file is refused: %s", in_force());
	{
		FILE *f = fopen(path, "w");

		fputs("\n\n", f);
		fclose(f);
	}
	ok(strstr(in_force(), "no camera") != NULL,
	   "an empty file is refused");
	ft_cameras_reset(err, sizeof err);
	unsetenv("FT_SOURCES");
	unsetenv("FT_CAMERA");
	free(path);
}

int
main(void)
{
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_shown();
	test_settings();
	rmdir(root);
	return done();
}
