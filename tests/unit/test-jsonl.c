/*
 * Unit tests of lib/jsonl: reading JSON lines (line numbers in messages,
 * blank lines, a missing final newline, a truncated last line, the line
 * length cap), writing them (compact, one a line, flushed per record into
 * a pipe, write errors reported) and jq programs.
 */
#include "jsonl.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A reader over a copy of text, named name. */
static ft_jsonl_reader *
reader(const char *text, const char *name, FILE **fp)
{
	*fp = fmemopen((void *)text, strlen(text), "r");
	if (!*fp) {
		perror("fmemopen");
		exit(1);
	}
	return ft_jsonl_reader_new(*fp, name);
}

/* The record's member key as a compact JSON text (caller frees). */
static char *
member(jv rec, const char *key)
{
	jv s = jv_dump_string(jv_object_get(rec, jv_string(key)), 0);
	char *out = strdup(jv_string_value(s));

	jv_free(s);
	return out;
}

/* Read one record and check its member "n". */
static void
expect_record(ft_jsonl_reader *r, const char *n, size_t line,
	      const char *what)
{
	jv rec = jv_invalid();
	int rc = ft_jsonl_read(r, &rec);
	char *got = rc == 1 ? member(rec, "n") : NULL;

	if (!is_int(rc, 1, "%s: a record", what))
		diag("error: %s", ft_jsonl_error(r));
	is_str(got, n, "%s: its contents", what);
	is_int((int64_t)ft_jsonl_lineno(r), (int64_t)line, "%s: line %zu",
	       what, line);
	free(got);
}

/* Read and expect an error whose message starts with prefix. */
static void
expect_error(ft_jsonl_reader *r, const char *prefix, const char *what)
{
	jv rec = jv_invalid();
	int rc = ft_jsonl_read(r, &rec);
	const char *msg = rc == -1 ? ft_jsonl_error(r) : "";

	if (rc == 1)
		jv_free(rec);
	is_int(rc, -1, "%s: an error", what);
	ok(!strncmp(msg, prefix, strlen(prefix)) &&
	   strlen(msg) > strlen(prefix) + 1,
	   "%s: message '%s' starts with '%s' and says why", what, msg,
	   prefix);
}

static void
expect_end(ft_jsonl_reader *r, const char *what)
{
	jv rec = jv_invalid();
	int rc = ft_jsonl_read(r, &rec);

	if (rc == 1)
		jv_free(rec);
	is_int(rc, 0, "%s: end of input", what);
	rc = ft_jsonl_read(r, &rec);
	if (rc == 1)
		jv_free(rec);
	is_int(rc, 0, "%s: the end stays the end", what);
}

static void
test_read(void)
{
	ft_jsonl_reader *r;
	FILE *f;

	r = reader("{\"n\":1}\n{\"n\":\"two\",\"x\":[1,2]}\n", "a.jsonl", &f);
	expect_record(r, "1", 1, "plain");
	expect_record(r, "\"two\"", 2, "plain");
	expect_end(r, "plain");
	ft_jsonl_reader_free(r);
	fclose(f);

	r = reader("{\"n\":1}\n{\"n\":2}", "b.jsonl", &f);
	expect_record(r, "1", 1, "no final newline");
	expect_record(r, "2", 2, "no final newline: the last line counts");
	expect_end(r, "no final newline");
	ft_jsonl_reader_free(r);
	fclose(f);

	r = reader("\n  \n{\"n\":1}\n\t\n\n{\"n\":2}\r\n\n", "c.jsonl", &f);
	expect_record(r, "1", 3, "blank lines skipped");
	expect_record(r, "2", 6, "blank lines counted in line numbers");
	expect_end(r, "blank lines at the end");
	ft_jsonl_reader_free(r);
	fclose(f);

	r = reader("{\"n\":1}\n{\"n\": nope}\n\n[1,2]\n\"str\"\n{\"n\":6}\n",
		   "stdin", &f);
	expect_record(r, "1", 1, "malformed");
	expect_error(r, "stdin:2: ", "malformed JSON on line 2");
	expect_error(r, "stdin:4: ", "an array is not a record");
	expect_error(r, "stdin:5: ", "a string is not a record");
	expect_record(r, "6", 6, "reading goes on after bad lines");
	expect_end(r, "malformed");
	ft_jsonl_reader_free(r);
	fclose(f);

	r = reader("{\"n\":1}\n{\"n\":2,\"cut\":\"abc", "d.jsonl", &f);
	expect_record(r, "1", 1, "truncated");
	expect_error(r, "d.jsonl:2: ", "a truncated last line");
	expect_end(r, "truncated");
	ft_jsonl_reader_free(r);
	fclose(f);

	r = reader("{\"n\":1} {\"n\":2}\n", "e.jsonl", &f);
	expect_error(r, "e.jsonl:1: ", "two values on one line");
	ft_jsonl_reader_free(r);
	fclose(f);

	r = reader("", "empty", &f);
	expect_end(r, "empty input");
	ft_jsonl_reader_free(r);
	fclose(f);
}

/* A stream of one line longer than the cap, then a good line, made on
 * the fly so the test needs no 64 MiB of memory for its input. */
struct longline {
	size_t pos, len;
};

static ssize_t
longline_read(void *cookie, char *buf, size_t size)
{
	static const char head[] = "{\"n\":\"";
	static const char tail[] = "\"}\n{\"n\":2}\n";
	struct longline *l = cookie;
	size_t n = 0;

	while (n < size && l->pos < l->len) {
		size_t p = l->pos, body = l->len - sizeof tail + 1;

		if (p < sizeof head - 1)
			buf[n] = head[p];
		else if (p < body)
			buf[n] = 'x';
		else
			buf[n] = tail[p - body];
		n++;
		l->pos++;
	}
	return (ssize_t)n;
}

static void
test_long_line(void)
{
	cookie_io_functions_t io = { .read = longline_read };
	struct longline l = { 0, FT_JSONL_MAX_LINE + 1024 };
	FILE *f = fopencookie(&l, "r", io);
	ft_jsonl_reader *r = ft_jsonl_reader_new(f, "long.jsonl");

	expect_error(r, "long.jsonl:1: ", "a line over the length cap");
	expect_record(r, "2", 2, "the line after an overlong one");
	expect_end(r, "long line");
	ft_jsonl_reader_free(r);
	fclose(f);
}

static void
test_write(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	jv rec = jv_object();
	int fd[2], flags;
	char got[256];
	ssize_t n;

	rec = jv_object_set(rec, jv_string("type"), jv_string("customer"));
	rec = jv_object_set(rec, jv_string("name"),
			    jv_string("Zo\xc3\xab \"Q\" \xe7\x8e\x8b"));
	rec = jv_object_set(rec, jv_string("email"), ft_jv_string_or_null(NULL));
	is_int(ft_jsonl_write(f, jv_copy(rec)), 0, "write: success");
	is_int(ft_jsonl_write(f, rec), 0, "write: a second record");
	fclose(f);
	is_str(buf, "{\"type\":\"customer\",\"name\":\"Zo\xc3\xab \\\"Q\\\" "
	       "\xe7\x8e\x8b\",\"email\":null}\n"
	       "{\"type\":\"customer\",\"name\":\"Zo\xc3\xab \\\"Q\\\" "
	       "\xe7\x8e\x8b\",\"email\":null}\n",
	       "write: compact, one a line, UTF-8 kept, NULL as null");
	free(buf);

	/* Into a pipe each record must arrive at once, not at exit. */
	if (pipe(fd) != 0) {
		perror("pipe");
		exit(1);
	}
	flags = fcntl(fd[0], F_GETFL);
	fcntl(fd[0], F_SETFL, flags | O_NONBLOCK);
	f = fdopen(fd[1], "w");
	is_int(ft_jsonl_write(f, JV_OBJECT(jv_string("n"), jv_number(1))), 0,
	       "write into a pipe");
	n = read(fd[0], got, sizeof got - 1);
	got[n > 0 ? n : 0] = '\0';
	is_str(got, "{\"n\":1}\n", "write: a pipe gets the record at once");
	fclose(f);
	close(fd[0]);

	f = fopen("/dev/full", "w");
	if (!f) {
		skip(2, "no /dev/full");
		return;
	}
	errno = 0;
	is_int(ft_jsonl_write(f, JV_OBJECT(jv_string("n"), jv_number(1))), -1,
	       "write to /dev/full fails");
	is_int(errno, ENOSPC, "write to /dev/full: errno ENOSPC");
	fclose(f);
}

static int
collect(void *ctx, jv out)
{
	jv *all = ctx;

	*all = jv_array_append(*all, out);
	return 0;
}

static int
stop_after_one(void *ctx, jv out)
{
	int *count = ctx;

	jv_free(out);
	++*count;
	return 7;
}

static void
test_jq(void)
{
	char *err = NULL, *got;
	ft_jq *q;
	jv all, input, s;
	int count = 0;

	q = ft_jq_compile(".a, (.b | length)", &err);
	ok(q != NULL && err == NULL, "jq: compile");
	all = jv_array();
	input = JV_OBJECT(jv_string("a"), jv_number(1), jv_string("b"),
			  JV_ARRAY(jv_true(), jv_false()));
	is_int(ft_jq_run(q, input, collect, &all, &err), 0, "jq: run");
	s = jv_dump_string(all, 0);
	is_str(jv_string_value(s), "[1,2]", "jq: every output emitted");
	jv_free(s);
	all = jv_array();
	is_int(ft_jq_run(q, JV_OBJECT(jv_string("a"), jv_string("x"),
				      jv_string("b"), jv_string("abc")),
			 collect, &all, &err), 0, "jq: the program runs again");
	s = jv_dump_string(all, 0);
	is_str(jv_string_value(s), "[\"x\",3]", "jq: second input");
	jv_free(s);
	is_int(ft_jq_run(q, JV_OBJECT(jv_string("a"), jv_number(1)),
			 stop_after_one, &count, &err), 7,
	       "jq: emit's nonzero value stops the run");
	is_int(count, 1, "jq: nothing emitted after a stop");
	ft_jq_free(q);

	q = ft_jq_compile(".a | error(\"boom\")", &err);
	ok(q != NULL, "jq: a program that raises compiles");
	all = jv_array();
	is_int(ft_jq_run(q, JV_OBJECT(jv_string("a"), jv_number(1)), collect,
			 &all, &err), -1, "jq: a raised error is -1");
	got = err;
	ok(got && strstr(got, "boom"), "jq: the error's message (got '%s')",
	   got ? got : "NULL");
	free(err);
	jv_free(all);
	ft_jq_free(q);

	err = NULL;
	q = ft_jq_compile(".[", &err);
	ok(q == NULL, "jq: a syntax error does not compile");
	ok(err && *err, "jq: with a message (got '%s')", err ? err : "NULL");
	free(err);
}

/* A NUL in a string would cut it short: refused.  A byte-order mark
 * opening the input is skipped. */
static void
test_nul_bom(void)
{
	ft_jsonl_reader *r;
	FILE *f;

	r = reader("{\"n\":\"a\\u0000b\"}\n{\"n\":[\"x\",{\"k\":\"\\u0000\"}]}\n"
		   "{\"a\\u0000\":1}\n{\"n\":\"a\\u0001b\"}\n", "nul", &f);
	expect_error(r, "nul:1: a string holds a NUL", "NUL in a string");
	expect_error(r, "nul:2: a string holds a NUL", "NUL deep inside");
	expect_error(r, "nul:3: a string holds a NUL", "NUL in a name");
	expect_record(r, "\"a\\u0001b\"", 4, "other controls stay");
	expect_end(r, "NUL");
	ft_jsonl_reader_free(r);
	fclose(f);

	/* jq's parser skips it. */
	r = reader("\xef\xbb\xbf{\"n\":1}\n", "bom", &f);
	expect_record(r, "1", 1, "a byte-order mark opening the input");
	expect_end(r, "BOM");
	ft_jsonl_reader_free(r);
	fclose(f);
}

int
main(void)
{
	test_read();
	test_nul_bom();
	test_long_line();
	test_write();
	test_jq();
	return done();
}
