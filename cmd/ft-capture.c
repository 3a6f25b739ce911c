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

static void
parse_options(int argc, char **argv, struct opts *o)
{
	const char *start_s = NULL;
	long long v;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case O_SOURCE: o->source = optarg; break;
		case O_NAME: o->name = optarg; break;
		case O_FPS: o->fps = parse_positive("--fps", optarg); break;
		case O_DURATION:
			o->duration = parse_positive("--duration", optarg);
			break;
		case O_MAX_FRAMES:
			if (ft_parse_int(optarg, 1, (long long)1 << 53, &v))
				ft_usage_error("bad --max-frames '%s'", optarg);
			o->max_frames = v;
			break;
		case O_SIZE: parse_size(optarg, &o->width, &o->height); break;
		case O_SPOOL: o->spool = optarg; break;
		case O_START: start_s = optarg; break;
		case O_QUALITY:
			if (ft_parse_int(optarg, 1, 100, &v))
				ft_usage_error("bad --quality '%s' (1-100)",
				    optarg);
			o->quality = (int)v;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(ft_close_stdout(FT_EXIT_OK));
		case O_VERSION:
			printf("ft-capture %s\n", FT_VERSION);
			exit(ft_close_stdout(FT_EXIT_OK));
		default:
			ft_usage_error(NULL);
		}
	}
	if (optind < argc && !o->source)
		o->source = argv[optind++];
	if (optind < argc)
		ft_usage_error("too many arguments");
	if (!o->source)
		o->source = "0";
	o->start = ft_time_now();
	if (start_s && ft_time_parse(start_s, o->start, 0, &o->start))
		ft_usage_error("bad --start-time '%s'", start_s);
}

static void
check_spool(const char *spool)
{
	struct stat st;

	if (stat(spool, &st) != 0)
		ft_die(FT_EXIT_FAIL, "cannot use spool '%s': %s", spool,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		ft_die(FT_EXIT_FAIL, "cannot use spool '%s': not a directory",
		    spool);
}

/* The capture in progress. */
struct run {
	const struct opts *o;
	ft_frame_src *src;
	int live;
	long long seq;
	int64_t t0;		/* monotonic start */
	int64_t backoff;	/* before reopening a source, ms */
	int64_t next_live;	/* when a live source's next frame is due */
	int64_t next_pos;	/* the next position a file's rate keeps */
	int64_t last_pos;	/* the last frame's position in a file */
	int status;
	int size_told;		/* the camera's other size was reported */
};

/* Wait before reopening, twice as long each time up to 30 s. */
static void
back_off(struct run *r)
{
	nap(r->backoff);
	r->backoff = r->backoff * 2 > 30000 ? 30000 : r->backoff * 2;
}

/* Open the source: 1 when open, 0 to try again, -1 to stop. */
static int
open_source(struct run *r, int64_t now)
{
	const struct opts *o = r->o;
	char *err;
	int is_live;

	if ((r->src = ft_frame_open(o->source, &err))) {
		r->live = ft_frame_is_live(r->src);
		/* A camera asked for --size sends no more than that; one
		 * that has no such size is scaled as the others are. */
		if (o->width && ft_frame_kind(r->src) == FT_FRAME_CAMERA &&
		    ft_frame_ask_size(r->src, o->width, o->height) != 1 &&
		    !r->size_told) {
			ft_warn("'%s' has no %dx%d mode; its frames are "
			    "scaled to it", o->source, o->width, o->height);
			r->size_told = 1;
		}
		return 1;
	}
	is_live = strstr(o->source, "://") ||
	    !strncmp(o->source, "/dev/video", 10) || strlen(o->source) <= 2;
	if (!is_live) {
		ft_warn("cannot open '%s': %s", o->source, err);
		free(err);
		r->status = FT_EXIT_FAIL;
		return -1;
	}
	ft_warn("cannot open '%s': %s; retrying in %lld s", o->source, err,
	    (long long)(r->backoff / 1000));
	free(err);
	if (o->duration > 0 && now - r->t0 + r->backoff > o->duration * 1000)
		return -1;
	back_off(r);
	return 0;
}

/* A dropped live source: say so, close it and wait to reopen it. */
static void
dropped(struct run *r, char *err)
{
	ft_warn("'%s': %s; reopening in %lld s", r->o->source,
	    err ? err : "read failed", (long long)(r->backoff / 1000));
	free(err);
	ft_frame_close(r->src);
	r->src = NULL;
	back_off(r);
}

/*
 * The time of a file's frame at info->pos_ms, or -1 to skip the frame
 * (--fps keeps a lower rate), or -2 at the end of --duration.
 */
static int64_t
file_time(struct run *r, ft_frame_info *info)
{
	const struct opts *o = r->o;
	double fps = ft_frame_fps(r->src);

	/* Decoders that hold frames back report the last frames'
	 * positions late (or as 0): past the first frame, a position that
	 * does not move on is the previous one plus a frame of the file's
	 * rate. */
	if (r->seq > 0 && info->pos_ms <= r->last_pos)
		info->pos_ms = r->last_pos + (fps > 0 ?
		    (int64_t)(1000 / fps + 0.5) : 1);
	r->last_pos = info->pos_ms;
	if (o->duration > 0 && info->pos_ms >= o->duration * 1000)
		return -2;
	if (o->fps > 0 && ft_frame_kind(r->src) == FT_FRAME_VIDEO) {
		if (info->pos_ms + 1 < r->next_pos)
			return -1;
		r->next_pos += (int64_t)(1000 / o->fps);
		if (r->next_pos <= info->pos_ms)
			r->next_pos = info->pos_ms + (int64_t)(1000 / o->fps);
	}
	return o->start + (info->pos_ms > 0 ? info->pos_ms : 0);
}

/* Write img, scaled to --size when asked. */
static void
emit_sized(struct run *r, int64_t ts, const ft_image *img, ft_image *sized)
{
	const struct opts *o = r->o;
	char *err;

	if (o->width && (img->width != o->width ||
	    img->height != o->height)) {
		if (ft_image_resize(img, o->width, o->height, sized, &err)) {
			ft_warn("frame %lld: %s", r->seq + 1, err);
			free(err);
			return;
		}
		img = sized;
	}
	emit(o, ++r->seq, ts, img);
}

/*
 * One step of the capture: open the source when it is not, then read,
 * time and write a frame.  Returns 0 to go on, -1 to stop.
 */
static int
step(struct run *r, ft_image *img, ft_image *sized)
{
	const struct opts *o = r->o;
	/* Directories of images are one image a second unless --fps. */
	int64_t interval = o->fps > 0 ? (int64_t)(1000 / o->fps + 0.5) : 1000;
	int64_t now = ft_time_mono(), ts, pos;
	ft_frame_info info;
	char *err = NULL;
	int rc;

	if (!r->src && (rc = open_source(r, now)) <= 0)
		return rc;
	if (r->live && o->duration > 0 && now - r->t0 >= o->duration * 1000)
		return -1;
	if (r->live && o->fps > 0 && now < r->next_live) {
		/* Keep the camera's buffer drained while waiting. */
		if (ft_frame_skip(r->src, &pos, &err) < 0)
			dropped(r, err);
		return 0;
	}
	rc = ft_frame_read(r->src, interval, img, &info, &err);
	if (rc == 0)
		return -1;
	if (rc < 0 && r->live) {
		dropped(r, err);
		return 0;
	}
	if (rc < 0) {
		/* A bad image in a directory: skip it. */
		ft_warn("cannot read '%s': %s",
		    info.path ? info.path : o->source, err);
		free(err);
		if (ft_frame_kind(r->src) == FT_FRAME_DIR)
			return 0;
		r->status = FT_EXIT_FAIL;
		return -1;
	}
	r->backoff = 1000;
	if (r->live) {
		ts = ft_time_now();
		if (o->fps > 0)
			r->next_live = (r->next_live && now - r->next_live <
			    1000 ? r->next_live : now) +
			    (int64_t)(1000 / o->fps);
	} else if ((ts = file_time(r, &info)) < 0) {
		return ts == -2 ? -1 : 0;
	}
	emit_sized(r, ts, img, sized);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .quality = 90 };
	struct run r = { .o = &o, .backoff = 1000, .status = FT_EXIT_OK };
	ft_image img = { 0 }, sized = { 0 };
	struct sigaction sa;
	char *name = NULL;

	ft_set_progname(argv[0]);
	ft_image_keep_memory();
	ft_set_usage(usage);
	parse_options(argc, argv, &o);
	if (o.spool)
		check_spool(o.spool);
	if (!o.name)
		o.name = name = default_name(o.source);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	r.t0 = ft_time_mono();
	while (!stop && !(o.max_frames && r.seq >= o.max_frames) &&
	    step(&r, &img, &sized) == 0)
		;
	ft_image_clear(&img);
	ft_image_clear(&sized);
	ft_frame_close(r.src);
	free(name);
	return ft_close_stdout(r.status);
}
