/*
 * ft-recognize — faces in frames, matched to customers; visits recorded.
 *
 * Reads `frame` records on stdin, or image files named as arguments, and
 * writes a `face` record for every face and a `visit` record for every
 * new visit (DESIGN.md sections 2 and 5).  The recogniser is lib's
 * (lib/recognize: detection strategy, tracks, the decision, registration
 * under the store's lock, following other processes); this program reads
 * the frames, sets it up from the options and writes what it emits.
 *
 * FT_RECOGNITION (or --recognition) says who may be recognised: in the
 * consented and anonymous modes the recogniser counts the others as
 * footfall and writes a `footfall` record for each count instead.
 *
 * Bad input does not end the program: a malformed record, a corrupt
 * JPEG or an unreadable image is reported and skipped, and the exit
 * status says so at the end (3 for records, 1 for files).  The store
 * going away ends it with 75 after the records already written.
 */
#include "config.h"
#include "face.h"
#include "faces.h"
#include "frame.h"
#include "framerec.h"
#include "jsonl.h"
#include "recognize.h"
#include "store.h"
#include "times.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: ft-recognize [--db URL | --no-store] [--threshold D]\n"
"                    [--strict-threshold D] [--margin D]\n"
"                    [--min-sightings N] [--mirror | --no-mirror]\n"
"                    [--visit-gap DURATION] [--max-samples N]\n"
"                    [--source NAME] [--descriptors] [--threads N]\n"
"                    [--upsample N] [--min-face PIXELS] [--stats]\n"
"                    [--recognition all|consented|anonymous]\n"
"                    [IMAGE ...]\n"
"       ft-recognize --models\n";

enum {
	O_DB = 256, O_NO_STORE, O_THRESHOLD, O_STRICT, O_MARGIN,
	O_MIN_SIGHTINGS,
	O_VISIT_GAP, O_MAX_SAMPLES, O_SOURCE, O_DESCRIPTORS, O_THREADS,
	O_UPSAMPLE, O_MIN_FACE, O_STATS, O_MODELS, O_MIRROR, O_NO_MIRROR,
	O_RECOGNITION, O_VERSION
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, O_DB },
	{ "no-store", no_argument, NULL, O_NO_STORE },
	{ "threshold", required_argument, NULL, O_THRESHOLD },
	{ "strict-threshold", required_argument, NULL, O_STRICT },
	{ "margin", required_argument, NULL, O_MARGIN },
	{ "min-sightings", required_argument, NULL, O_MIN_SIGHTINGS },
	{ "visit-gap", required_argument, NULL, O_VISIT_GAP },
	{ "max-samples", required_argument, NULL, O_MAX_SAMPLES },
	{ "source", required_argument, NULL, O_SOURCE },
	{ "descriptors", no_argument, NULL, O_DESCRIPTORS },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "upsample", required_argument, NULL, O_UPSAMPLE },
	{ "min-face", required_argument, NULL, O_MIN_FACE },
	{ "stats", no_argument, NULL, O_STATS },
	{ "models", no_argument, NULL, O_MODELS },
	{ "mirror", no_argument, NULL, O_MIRROR },
	{ "no-mirror", no_argument, NULL, O_NO_MIRROR },
	{ "recognition", required_argument, NULL, O_RECOGNITION },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

static struct {
	int no_store, stats, threads, mirror, models, min_sightings;
	const char *source;
	double threshold, strict, margin;
	int64_t gap;
} opt = { .threads = 2, .mirror = -1, .source = "images",
    .threshold = -1, .strict = -1, .margin = -1, .min_sightings = -1,
    .gap = -1 };

static ft_recognize_config cfg;
static ft_store *store;
static ft_recognizer *rec;
static double decode_ms;
static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = sig;
}

/* Write what the recogniser emits; a reader gone away ends quietly. */
static int
write_record(void *ctx, jv r)
{
	(void)ctx;
	if (ft_jsonl_write(stdout, r) != 0) {
		if (errno == EPIPE)
			exit(FT_EXIT_OK);
		ft_die(FT_EXIT_FAIL, "write error: %s", strerror(errno));
	}
	return 0;
}

/* One frame; a failure ends the program with the recogniser's message
 * and the status of its code.  What was written stays. */
static void
recognize(const ft_recognize_input *in)
{
	int rc = ft_recognize_frame(rec, in);

	if (rc) {
		ft_warn("%s", ft_recognize_errmsg(rec));
		fflush(stdout);
		ft_recognize_free(rec);
		ft_store_close(store);
		exit(ft_store_exit_status(rc));
	}
}

/* How far ahead of the wall clock a frame's time may be: clocks of
 * cameras and machines drift, recorded footage does not. */
#define FUTURE_SLACK_MS (5 * 60 * 1000)

/*
 * The time to record a frame at: its own, unless that is more than a few
 * minutes ahead of the wall clock, as when footage is replayed faster
 * than it was taken without --start-time; a visit in the future would
 * top every list of arrivals, so such a frame counts at the current time
 * (said once).
 */
static int64_t
frame_time(const ft_framerec *fr, size_t lineno)
{
	static int warned;
	int64_t wall = ft_time_wall();
	char buf[FT_TIME_BUFSZ];

	if (fr->ts <= wall + FUTURE_SLACK_MS)
		return fr->ts;
	if (!warned) {
		warned = 1;
		ft_warn("stdin:%zu: frame time %s is ahead of the clock; "
		    "frames from the future are recorded at the current "
		    "time", lineno, ft_time_format(fr->ts, buf));
	}
	return wall;
}

static int
run_stdin(void)
{
	ft_jsonl_reader *r = ft_jsonl_reader_new(stdin, "stdin");
	ft_image img = { 0 };
	int status = FT_EXIT_OK, rc;
	jv j;

	while (!stop && (rc = ft_jsonl_read(r, &j)) != 0) {
		ft_recognize_input in = { 0 };
		ft_framerec fr;
		double t0 = ft_time_mono_ms();
		char *err;

		if (rc < 0) {
			ft_warn("%s", ft_jsonl_error(r));
			status = FT_EXIT_DATA;
			continue;
		}
		rc = ft_framerec_decode(j, &fr, &img, &err);
		jv_free(j);
		if (rc < 0) {
			ft_warn("stdin:%zu: %s", ft_jsonl_lineno(r), err);
			free(err);
			status = FT_EXIT_DATA;
		} else if (rc > 0) {
			decode_ms += ft_time_mono_ms() - t0;
			in.source = fr.source;
			in.ts = frame_time(&fr, ft_jsonl_lineno(r));
			in.seq = fr.seq;
			in.path = fr.path;
			in.image = &img;
			recognize(&in);
		}
		ft_framerec_clear(&fr);
	}
	ft_image_clear(&img);
	ft_jsonl_reader_free(r);
	return status;
}

static int
run_images(char **paths, int n)
{
	ft_image img = { 0 };
	int status = FT_EXIT_OK, i;

	for (i = 0; i < n && !stop; i++) {
		ft_recognize_input in = { 0 };
		double t0 = ft_time_mono_ms();
		char *err;

		if (ft_image_read(paths[i], &img, &err)) {
			ft_warn("cannot read '%s': %s", paths[i], err);
			free(err);
			status = FT_EXIT_FAIL;
			continue;
		}
		decode_ms += ft_time_mono_ms() - t0;
		in.source = opt.source;
		in.ts = ft_time_now();
		in.seq = jv_number(i + 1);
		in.path = paths[i];
		in.image = &img;
		in.still = 1;
		recognize(&in);
	}
	ft_image_clear(&img);
	return status;
}

/* --stats: frames per second and where the time went. */
static void
print_stats(double total)
{
	ft_recognize_stats st;
	double sum = decode_ms;
	int i;

	ft_recognize_stats_get(rec, &st);
	for (i = 0; i < FT_RECOGNIZE_NSTAGES; i++)
		sum += st.ms[i];
	fprintf(stderr, "%s: %lld frames in %.2f s, %.1f frames/s; "
	    "decode %.1f%%", ft_progname(), st.frames, total / 1e3,
	    total > 0 ? st.frames * 1e3 / total : 0.0,
	    sum > 0 ? 100 * decode_ms / sum : 0.0);
	for (i = 0; i < FT_RECOGNIZE_NSTAGES; i++)
		fprintf(stderr, "; %s %.1f%%", ft_recognize_stage_names[i],
		    sum > 0 ? 100 * st.ms[i] / sum : 0.0);
	fprintf(stderr, "; index %s\n", store ? st.index : "none");
}

/* --- options --- */

/* A distance above 0 (or from 0 with zero_ok) up to 4. */
static double
parse_distance(const char *name, const char *s, int zero_ok)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0 || (zero_ok && v == 0)) || v > 4)
		ft_usage_error("bad %s '%s' (a distance, 0 to 4)", name, s);
	return v;
}

/* "30m", "90s", "2h", "500ms" or minutes. */
static int64_t
parse_gap(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !(v >= 0))
		ft_usage_error("bad --visit-gap '%s'", s);
	if (!strcmp(end, "ms"))
		return (int64_t)v;
	if (!strcmp(end, "s"))
		return (int64_t)(v * 1000);
	if (!*end || !strcmp(end, "m"))
		return (int64_t)(v * 60000);
	if (!strcmp(end, "h"))
		return (int64_t)(v * 3600000);
	ft_usage_error("bad --visit-gap '%s' (e.g. 30m, 90s, 2h)", s);
}

static int
parse_count(const char *name, const char *s, int min, int max)
{
	long long v;

	if (ft_parse_int(s, min, max, &v))
		ft_usage_error("bad %s '%s' (%d to %d)", name, s, min, max);
	return (int)v;
}

static void
parse_options(int argc, char **argv)
{
	int o;

	while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (o) {
		case O_DB: ft_config_set("FT_DB", optarg); break;
		case O_NO_STORE: opt.no_store = 1; break;
		case O_THRESHOLD:
			opt.threshold = parse_distance("--threshold", optarg, 0);
			break;
		case O_STRICT:
			opt.strict = parse_distance("--strict-threshold",
			    optarg, 0);
			break;
		case O_MARGIN: opt.margin = parse_distance("--margin", optarg, 1); break;
		case O_MIN_SIGHTINGS:
			opt.min_sightings = parse_count("--min-sightings",
			    optarg, 1, FT_MATCH_MAX_SAMPLES * 100);
			break;
		case O_VISIT_GAP: opt.gap = parse_gap(optarg); break;
		case O_MAX_SAMPLES:
			cfg.max_samples = parse_count("--max-samples", optarg,
			    1, 1000);
			break;
		case O_SOURCE: opt.source = optarg; break;
		case O_DESCRIPTORS: cfg.descriptors = 1; break;
		case O_THREADS:
			opt.threads = parse_count("--threads", optarg, 1, 64);
			break;
		case O_UPSAMPLE:
			cfg.upsample = parse_count("--upsample", optarg, 0, 3);
			break;
		case O_MIN_FACE:
			cfg.min_face = parse_count("--min-face", optarg, 0,
			    10000);
			break;
		case O_STATS: opt.stats = 1; break;
		case O_MODELS: opt.models = 1; break;
		case O_MIRROR: opt.mirror = 1; break;
		case O_NO_MIRROR: opt.mirror = 0; break;
		case O_RECOGNITION:
			ft_config_set("FT_RECOGNITION", optarg);
			if (ft_config_recognition(&cfg.mode, NULL, 0))
				ft_usage_error("bad --recognition '%s' (all, "
				    "consented or anonymous)", optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			exit(ft_close_stdout(FT_EXIT_OK));
		case O_VERSION:
			printf("ft-recognize %s\n", FT_VERSION);
			exit(ft_close_stdout(FT_EXIT_OK));
		default:
			ft_usage_error(NULL);
		}
	}
}

/* The decisions from the options and settings; still images register
 * on one sighting. */
static void
configure_match(ft_match_config *m, int still)
{
	const char *t = ft_config_get("FT_THRESHOLD", NULL);

	if (still)
		m->min_sightings = 1;
	if (opt.threshold > 0)
		m->threshold = (float)opt.threshold;
	else if (t)
		m->threshold = (float)parse_distance("FT_THRESHOLD", t, 0);
	if (opt.strict > 0)
		m->strict_threshold = (float)opt.strict;
	if (m->strict_threshold > m->threshold)
		m->strict_threshold = m->threshold;
	if (opt.margin >= 0)
		m->margin = (float)opt.margin;
	if (opt.margin == 0)
		m->cohort = 0;
	if (opt.min_sightings > 0)
		m->min_sightings = opt.min_sightings;
	if (opt.gap >= 0)
		m->visit_gap_ms = opt.gap;
}

int
main(int argc, char **argv)
{
	ft_face_backend fb;
	ft_face_ctx *face;
	struct sigaction sa;
	char *err, msg[512];
	double t_start;
	int status, rc, still;

	ft_set_progname(argv[0]);
	ft_image_keep_memory();
	ft_set_usage(usage);
	ft_recognize_config_default(&cfg);
	parse_options(argc, argv);
	still = optind < argc;
	if (opt.models) {
		if (still)
			ft_usage_error("--models takes no arguments");
		status = ft_faces_list_models(stdout);
		return ft_close_stdout(status < 0 ? FT_EXIT_FAIL : status);
	}
	configure_match(&cfg.match, still);
	if (ft_config_recognition(&cfg.mode, msg, sizeof msg))
		ft_die(FT_EXIT_FAIL, "%s", msg);
	if (ft_config_face_crops(&cfg.crops, msg, sizeof msg))
		ft_die(FT_EXIT_FAIL, "%s", msg);

	/* Before the models load (a second or more): a SIGTERM then ends
	 * the program as cleanly as one later. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!(face = ft_faces_open(&err)))
		ft_die(FT_EXIT_FAIL, "%s", err);
	if (opt.threads > 1)
		ft_face_set_threads(face, opt.threads);
	/* Still images are worth twice the work of a stream's frames. */
	ft_face_set_mirror(face, opt.mirror < 0 ? still : opt.mirror);
	ft_faces_backend(&fb, face);
	if (!opt.no_store)
		store = ft_store_open_configured();
	rc = ft_recognize_new(store, &fb, &cfg, write_record, NULL, &rec,
	    msg, sizeof msg);
	if (rc) {
		ft_warn("%s", msg);
		ft_store_close(store);
		return ft_store_exit_status(rc);
	}

	t_start = ft_time_mono_ms();
	status = FT_EXIT_OK;
	if (!stop)
		status = still ? run_images(argv + optind, argc - optind) :
		    run_stdin();
	if (opt.stats)
		print_stats(ft_time_mono_ms() - t_start);
	ft_recognize_free(rec);
	ft_store_close(store);
	ft_faces_backend_clear(&fb);
	ft_face_close(face);
	return ft_close_stdout(status);
}
