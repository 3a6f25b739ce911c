/*
 * ft-capture — frames from a camera, a stream, a video file, an image or
 * a directory of images, as `frame` records on stdout.
 *
 * Each record carries the JPEG inline (base64) or, with --spool, the path
 * of a JPEG file written there.  A frame's ts is the clock for live
 * sources and --start-time plus the frame's position for files, so
 * recorded footage keeps its times downstream.
 *
 * A live source that fails (at start or later) is reopened with a backoff
 * doubling from one second to thirty; the program goes on until
 * --duration, --max-frames or a signal ends it.  A file that cannot be
 * opened is an error (exit 1); an unreadable image inside a directory is
 * reported and skipped.  SIGINT and SIGTERM end the program after the
 * frame in hand.
 */
#include "frame.h"
#include "framerec.h"
#include "jsonl.h"
#include "times.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
"usage: ft-capture [--source SOURCE] [--name NAME] [--fps N]\n"
"                  [--duration SECONDS] [--max-frames N] [--size WxH]\n"
"                  [--spool DIR] [--start-time TIME] [--quality Q]\n"
"       ft-capture SOURCE\n";

enum {
	O_SOURCE = 256, O_NAME, O_FPS, O_DURATION, O_MAX_FRAMES, O_SIZE,
	O_SPOOL, O_START, O_QUALITY, O_VERSION
};

static const struct option longopts[] = {
	{ "source", required_argument, NULL, O_SOURCE },
	{ "name", required_argument, NULL, O_NAME },
	{ "fps", required_argument, NULL, O_FPS },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "max-frames", required_argument, NULL, O_MAX_FRAMES },
	{ "size", required_argument, NULL, O_SIZE },
	{ "spool", required_argument, NULL, O_SPOOL },
	{ "start-time", required_argument, NULL, O_START },
	{ "quality", required_argument, NULL, O_QUALITY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Sleep ms milliseconds unless a signal comes first. */
static void
nap(int64_t ms)
{
	struct timespec t = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (!stop && nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* The source's name in records when --name is not given. */
static char *
default_name(const char *source)
{
	const char *b;
	char *s, *dot;

	if (source[0] >= '0' && source[0] <= '9' && strlen(source) <= 2)
		return ft_xasprintf("cam%s", source);
	if (!strncmp(source, "/dev/", 5))
		return ft_xstrdup(source + 5);
	if (strstr(source, "://"))
		return ft_xstrdup(source);
	b = strrchr(source, '/');
	s = ft_xstrdup(b && b[1] ? b + 1 : source);
	if ((dot = strrchr(s, '.')) && dot != s)
		*dot = 0;
	return s;
}

struct opts {
	const char *source;
	const char *name;
	double fps;		/* 0: every frame */
	double duration;	/* seconds; 0: no limit */
	long long max_frames;	/* 0: no limit */
	int width, height;	/* 0: as captured */
	const char *spool;
	int64_t start;
	int quality;
};

static int
emit(const struct opts *o, long long seq, int64_t ts, const ft_image *img)
{
	uint8_t *jpeg;
	size_t len;
	char *err, *path = NULL;
	jv rec;

	if (ft_image_encode_jpeg(img, o->quality, &jpeg, &len, &err)) {
		ft_warn("frame %lld: %s", seq, err);
		free(err);
		return 0;
	}
	if (o->spool) {
		FILE *f;

		path = ft_xasprintf("%s/%lld-%06lld.jpg", o->spool,
		    (long long)o->start, seq);
		if (!(f = fopen(path, "wb")) || fwrite(jpeg, 1, len, f) != len
		    || fclose(f) != 0)
			ft_die(FT_EXIT_FAIL, "cannot write '%s': %s", path,
			    strerror(errno));
	}
	rec = ft_framerec_encode(o->name, seq, ts, img->width, img->height,
	    jpeg, len, path);
	free(path);
	free(jpeg);
	if (ft_jsonl_write(stdout, rec) != 0) {
		if (errno == EPIPE)
			exit(FT_EXIT_OK);
		ft_die(FT_EXIT_FAIL, "write error: %s", strerror(errno));
	}
	return 0;
}

static void
parse_size(const char *s, int *w, int *h)
{
	char *end;
	long a, b;

	a = strtol(s, &end, 10);
	if (*end != 'x' && *end != 'X')
		ft_usage_error("bad --size '%s' (WxH)", s);
	b = strtol(end + 1, &end, 10);
	if (*end || a < 16 || b < 16 || a > 16384 || b > 16384)
		ft_usage_error("bad --size '%s' (WxH)", s);
	*w = (int)a;
	*h = (int)b;
}

static double
parse_positive(const char *opt, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0) || v > 1e9)
		ft_usage_error("bad %s '%s'", opt, s);
	return v;
}

int
main(int argc, char **argv)
{
	struct opts o = { .quality = 90 };
	const char *start_s = NULL;
	char *name = NULL, *err = NULL;
	ft_frame_src *src = NULL;
	ft_image img = { 0 }, sized = { 0 };
	ft_frame_info info;
	struct sigaction sa;
	long long seq = 0, v;
	int64_t t0, next_live = 0, backoff = 1000, interval, next_pos = 0;
	int64_t last_pos = 0;
	int opt, live, status = FT_EXIT_OK;

	ft_set_progname(argv[0]);
	ft_set_usage(usage);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case O_SOURCE: o.source = optarg; break;
		case O_NAME: o.name = optarg; break;
		case O_FPS: o.fps = parse_positive("--fps", optarg); break;
		case O_DURATION:
			o.duration = parse_positive("--duration", optarg);
			break;
		case O_MAX_FRAMES:
			if (ft_parse_int(optarg, 1, (long long)1 << 53, &v))
				ft_usage_error("bad --max-frames '%s'", optarg);
			o.max_frames = v;
			break;
		case O_SIZE: parse_size(optarg, &o.width, &o.height); break;
		case O_SPOOL: o.spool = optarg; break;
		case O_START: start_s = optarg; break;
		case O_QUALITY:
			if (ft_parse_int(optarg, 1, 100, &v))
				ft_usage_error("bad --quality '%s' (1-100)",
				    optarg);
			o.quality = (int)v;
			break;
		case 'h':
			fputs(usage, stdout);
			return ft_close_stdout(FT_EXIT_OK);
		case O_VERSION:
			printf("ft-capture %s\n", FT_VERSION);
			return ft_close_stdout(FT_EXIT_OK);
		default:
			ft_usage_error(NULL);
		}
	}
	if (optind < argc && !o.source)
		o.source = argv[optind++];
	if (optind < argc)
		ft_usage_error("too many arguments");
	if (!o.source)
		o.source = "0";
	o.start = ft_time_now();
	if (start_s && ft_time_parse(start_s, o.start, 0, &o.start))
		ft_usage_error("bad --start-time '%s'", start_s);
	if (o.spool) {
		struct stat st;

		if (stat(o.spool, &st) != 0)
			ft_die(FT_EXIT_FAIL, "cannot use spool '%s': %s",
			    o.spool, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			ft_die(FT_EXIT_FAIL, "cannot use spool '%s': not a "
			    "directory", o.spool);
	}
	if (!o.name)
		o.name = name = default_name(o.source);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* Directories of images are one image a second unless --fps. */
	interval = o.fps > 0 ? (int64_t)(1000 / o.fps + 0.5) : 1000;
	t0 = ft_time_mono();
	live = 0;
	while (!stop) {
		int64_t now = ft_time_mono(), ts;
		int rc;

		if (o.max_frames && seq >= o.max_frames)
			break;
		if (!src) {
			src = ft_frame_open(o.source, &err);
			if (!src) {
				int is_live = strstr(o.source, "://") ||
				    !strncmp(o.source, "/dev/video", 10) ||
				    strlen(o.source) <= 2;

				if (!is_live) {
					ft_warn("cannot open '%s': %s",
					    o.source, err);
					free(err);
					status = FT_EXIT_FAIL;
					break;
				}
				ft_warn("cannot open '%s': %s; retrying in "
				    "%lld s", o.source, err,
				    (long long)(backoff / 1000));
				free(err);
				if (o.duration > 0 && now - t0 + backoff >
				    o.duration * 1000)
					break;
				nap(backoff);
				backoff = backoff * 2 > 30000 ? 30000 :
				    backoff * 2;
				continue;
			}
			live = ft_frame_is_live(src);
		}
		if (live && o.duration > 0 && now - t0 >= o.duration * 1000)
			break;
		if (live && o.fps > 0 && now < next_live) {
			/* Keep the camera's buffer drained while waiting. */
			int64_t pos;

			if (ft_frame_skip(src, &pos, &err) < 0)
				goto dropped;
			continue;
		}
		rc = ft_frame_read(src, interval, &img, &info, &err);
		if (rc == 0)
			break;
		if (rc < 0) {
			if (!live) {
				/* A bad image in a directory: skip it. */
				ft_warn("cannot read '%s': %s",
				    info.path ? info.path : o.source, err);
				free(err);
				err = NULL;
				if (ft_frame_kind(src) == FT_FRAME_DIR)
					continue;
				status = FT_EXIT_FAIL;
				break;
			}
			goto dropped;
		}
		backoff = 1000;
		if (live) {
			ts = ft_time_now();
			if (o.fps > 0)
				next_live = (next_live && now - next_live <
				    1000 ? next_live : now) +
				    (int64_t)(1000 / o.fps);
		} else {
			/* Decoders that hold frames back report the last
			 * frames' positions late (or as 0): past the first
			 * frame, a position that does not move on is the
			 * previous one plus a frame of the file's rate. */
			if (seq > 0 && info.pos_ms <= last_pos)
				info.pos_ms = last_pos + (ft_frame_fps(src) > 0 ?
				    (int64_t)(1000 / ft_frame_fps(src) + 0.5) :
				    1);
			last_pos = info.pos_ms;
			if (o.duration > 0 && info.pos_ms >= o.duration * 1000)
				break;
			if (o.fps > 0 && ft_frame_kind(src) == FT_FRAME_VIDEO) {
				if (info.pos_ms + 1 < next_pos)
					continue;
				next_pos += (int64_t)(1000 / o.fps);
				if (next_pos <= info.pos_ms)
					next_pos = info.pos_ms +
					    (int64_t)(1000 / o.fps);
			}
			ts = o.start + (info.pos_ms > 0 ? info.pos_ms : 0);
		}
		if (o.width && (img.width != o.width ||
		    img.height != o.height)) {
			if (ft_image_resize(&img, o.width, o.height, &sized,
			    &err)) {
				ft_warn("frame %lld: %s", seq + 1, err);
				free(err);
				continue;
			}
			emit(&o, ++seq, ts, &sized);
		} else {
			emit(&o, ++seq, ts, &img);
		}
		continue;
dropped:
		ft_warn("'%s': %s; reopening in %lld s", o.source,
		    err ? err : "read failed", (long long)(backoff / 1000));
		free(err);
		err = NULL;
		ft_frame_close(src);
		src = NULL;
		nap(backoff);
		backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
	}
	ft_image_clear(&img);
	ft_image_clear(&sized);
	ft_frame_close(src);
	free(name);
	return ft_close_stdout(status);
}
