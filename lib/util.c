/*
 * util — messages, exit statuses and memory helpers.
 */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *progname = "facetrack";
static const char *usage_text = "";

void
ft_set_progname(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

const char *
ft_progname(void)
{
	return progname;
}

static void
vwarn(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
ft_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
ft_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

void
ft_set_usage(const char *text)
{
	usage_text = text;
}

void
ft_usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (fmt) {
		fprintf(stderr, "%s: ", progname);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(usage_text, stderr);
	exit(FT_EXIT_USAGE);
}

void *
ft_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		ft_die(FT_EXIT_FAIL, "out of memory");
	return p;
}

void *
ft_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		ft_die(FT_EXIT_FAIL, "out of memory");
	return p;
}

void *
ft_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		ft_die(FT_EXIT_FAIL, "out of memory");
	return p;
}

char *
ft_xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		ft_die(FT_EXIT_FAIL, "out of memory");
	return d;
}

char *
ft_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		ft_die(FT_EXIT_FAIL, "out of memory");
	return s;
}

int
ft_close_stdout(int status)
{
	int bad = fflush(stdout) != 0 || ferror(stdout);

	if (fclose(stdout) != 0)
		bad = 1;
	if (bad && errno != EPIPE) {
		fprintf(stderr, "%s: write error: %s\n", progname,
			strerror(errno ? errno : EIO));
		return FT_EXIT_FAIL;
	}
	if (bad)
		return FT_EXIT_FAIL;
	return status;
}

int
ft_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return FT_EFAIL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return FT_EFAIL;
	*out = v;
	return FT_OK;
}

int
ft_secret_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	/* Walk the expected secret's length whatever the input's. */
	for (i = 0; i < lb; i++)
		d |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
	return d == 0;
}

void
ft_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
ft_mkdirs(const char *dir, unsigned mode, char *err, size_t errlen)
{
	char *p = ft_xstrdup(dir), *s;
	struct stat sb;

	for (s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = '\0';
			if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
				ft_seterr(err, errlen, "cannot create '%s': %s",
					  p, strerror(errno));
				free(p);
				return FT_EFAIL;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		ft_seterr(err, errlen, "'%s' is not a directory", dir);
		return FT_EFAIL;
	}
	return FT_OK;
}
