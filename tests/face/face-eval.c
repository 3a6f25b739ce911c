/*
 * face-eval — lib/face on labelled pairs of photos: distances for the
 * verification figures, and the speed of each step.  Run by
 * scripts/bench-face; prints figures, asserts nothing.
 *
 *	face-eval [-d DETECTOR] [-n PAIRS] DESCRIPTOR SHAPE FACES_DIR PAIRS_FILE
 *	face-eval [-d DETECTOR] -l LIST DESCRIPTOR SHAPE FACES_DIR
 *
 * -d loads the convolutional detector from the file DETECTOR; the
 * FT_DETECTOR setting (net, the default, or hog) then says which
 * detector looks first (lib/faces).  Without -d, HOG alone.
 *
 * PAIRS_FILE has lines "same|diff A B", A and B paths under FACES_DIR
 * (../shared/data/faces/pairs.txt); -n takes the first PAIRS of each
 * kind.  Every photo goes through the steps a still image takes:
 * ft_faces_detect_main, align, describe.
 *
 * stdout, one line a pair:  same|diff PLAIN MIRRORED A B
 *   PLAIN is the distance of the two chips' descriptors, MIRRORED that of
 *   the means of each chip's descriptor and its mirror image's; "none"
 *   when a photo has no face found; A and B name the photos.
 * stderr: timings, as "key value" lines (see scripts/bench-face).
 *
 * With -l, the photos LIST names (one a line, under FACES_DIR) go through
 * the same steps one at a time on one thread, in the one call that
 * ft-enroll makes (ft_faces_describe_main), as tests/face/faceapi-bench.js
 * takes them through face-api: stdout has "NAME" and the 128 numbers of
 * its descriptor, or "NAME none", a line a photo, then "# faces N photos M
 * ms T", T the milliseconds from the first photo read to the last
 * descriptor, and "cpu_ms C" the CPU time it took.
 */
#include "face.h"
#include "faces.h"
#include "jpeg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *detector_model;	/* -d */

struct photo {
	char *name;
	int found;		/* a face was found */
	int faces;		/* boxes found */
};

static void die(const char *, const char *);

/* The models, and the detector of -d. */
static ft_face_ctx *
open_ctx(const char *desc_model, const char *shape_model)
{
	char *err = NULL;
	ft_face_ctx *ctx = ft_face_open(desc_model, shape_model, &err);

	if (!ctx)
		die(err ? err : "out of memory", NULL);
	if (detector_model && ft_face_load_detector(ctx, detector_model))
		die(ft_face_errmsg(ctx), NULL);
	return ctx;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of the process, all threads: on a machine others share, work
 * per CPU second is steadier than work per second. */
static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}


/*
 * The main face of the photo at path, as a chip (ft_faces_detect_main).
 * Returns the number of faces found (0: chip untouched); img receives the
 * decoded photo.
 */
static int
photo_chip(ft_face_ctx *ctx, const char *path, struct image *img,
    uint8_t *chip, double *t_decode, double *t_detect, double *t_align)
{
	ft_face_box box;
	double t0 = now_ms();

	if (read_jpeg(path, img) != 0)
		die("cannot read", path);
	double t1 = now_ms();
	ft_image fi = as_ft_image(img);
	int n = ft_faces_detect_main(ctx, &fi, NULL, &box);
	double t2 = now_ms();
	if (n < 0)
		die(ft_face_errmsg(ctx), path);
	*t_decode += t1 - t0;
	*t_detect += t2 - t1;
	if (n == 0)
		return 0;
	if (ft_face_align(ctx, img->px, img->w, img->h, (size_t)img->w * 3, 3,
	    &box, NULL, chip) != 0)
		die(ft_face_errmsg(ctx), path);
	*t_align += now_ms() - t2;
	return n;
}

/* -l: photo after photo, the whole way, on one thread. */
static int
end_to_end(const char *desc_model, const char *shape_model,
    const char *dir, const char *list)
{
	char *err = NULL, name[1024], path[2048];
	int faces = 0, photos = 0;
	float d[FT_FACE_DIM];
	FILE *lf = fopen(list, "r");

	if (!lf)
		die("cannot read", list);
	ft_face_ctx *ctx = open_ctx(desc_model, shape_model);
	double c0 = cpu_ms();
	double t0 = now_ms();
	while (fscanf(lf, "%1023s", name) == 1) {
		struct image img;

		snprintf(path, sizeof path, "%s/%s", dir, name);
		if (read_jpeg(path, &img) != 0)
			die("cannot read", path);
		ft_image fi = as_ft_image(&img);
		int n = ft_faces_describe_main(ctx, &fi, NULL, d, NULL, NULL, &err);
		if (n < 0)
			die(err, path);
		free(img.px);
		photos++;
		printf("%s", name);
		if (n > 0) {
			for (int k = 0; k < FT_FACE_DIM; k++)
				printf(" %.6f", d[k]);
			faces++;
		} else {
			printf(" none");
		}
		putchar('\n');
	}
	double t1 = now_ms();
	printf("# faces %d photos %d ms %.0f cpu_ms %.0f\n", faces, photos,
	    t1 - t0, cpu_ms() - c0);
	fclose(lf);
	ft_face_close(ctx);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write error", NULL);
	return 0;
}

static void
die(const char *msg, const char *arg)
{
	fprintf(stderr, "face-eval: %s%s%s\n", msg, arg ? " " : "",
	    arg ? arg : "");
	exit(1);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory", NULL);
	return p;
}

static int
photo_index(struct photo **ph, int *n, int *cap, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (strcmp((*ph)[i].name, name) == 0)
			return i;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*ph = realloc(*ph, (size_t)*cap * sizeof **ph);
		if (!*ph)
			die("out of memory", NULL);
	}
	memset(&(*ph)[*n], 0, sizeof **ph);
	(*ph)[*n].name = strdup(name);
	if (!(*ph)[*n].name)
		die("out of memory", NULL);
	return (*n)++;
}

static double
distance(const float *a, const float *b)
{
	double s = 0;

	for (int i = 0; i < FT_FACE_DIM; i++)
		s += (a[i] - b[i]) * (double)(a[i] - b[i]);
	return sqrt(s);
}

/* Describe every chip with the threads given; milliseconds taken, and
 * CPU milliseconds in *cpu. */
static double
describe_all(ft_face_ctx *ctx, int threads, const uint8_t *chips, int n,
    float (*out)[FT_FACE_DIM], double *cpu)
{
	if (ft_face_set_threads(ctx, threads) != 0)
		die(ft_face_errmsg(ctx), NULL);
	double c0 = cpu_ms();
	double t0 = now_ms();
	/* Batches of a frame's worth of faces per call, as ft-recognize
	 * makes them. */
	for (int i = 0; i < n; i += 16) {
		int k = n - i < 16 ? n - i : 16;
		if (ft_face_describe(ctx, chips + (size_t)i *
		    FT_FACE_CHIP_BYTES, k, out + i) != 0)
			die(ft_face_errmsg(ctx), NULL);
	}
	*cpu = cpu_ms() - c0;
	return now_ms() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median time of runs detections on a width x height image, with HOG
 * or (net) the network. */
static double
detect_ms(ft_face_ctx *ctx, const uint8_t *px, int w, int h, int upsample,
    int runs, int net)
{
	ft_face_detect_opts o = {upsample, 0, 0};
	ft_face_box box[16];
	double t[64];

	if (runs > 64)
		runs = 64;
	for (int r = 0; r < runs; r++) {
		double t0 = now_ms();
		if ((net ? ft_face_detect_net(ctx, px, w, h, (size_t)w * 3,
		    3, &o, box, 16) : ft_face_detect(ctx, px, w, h,
		    (size_t)w * 3, 3, &o, box, 16)) < 0)
			die(ft_face_errmsg(ctx), NULL);
		t[r] = now_ms() - t0;
	}
	qsort(t, (size_t)runs, sizeof *t, cmp_double);
	return t[runs / 2];
}

/* The labelled pairs, and the photos they name, each once. */
struct pairs {
	struct photo *ph;
	int nph;
	struct pair { int same, a, b; } *pair;
	int n;
};

static void
read_pairs(const char *file, int limit, struct pairs *ps)
{
	FILE *pf = fopen(file, "r");
	char line[1024], kind[16], a[480], b[480];
	int cap = 0, pcap = 0, nsame = 0, ndiff = 0;

	memset(ps, 0, sizeof *ps);
	if (!pf)
		die("cannot read", file);
	while (fgets(line, sizeof line, pf)) {
		if (sscanf(line, "%15s %479s %479s", kind, a, b) != 3)
			continue;
		int same = strcmp(kind, "same") == 0;
		if (!same && strcmp(kind, "diff") != 0)
			continue;
		if (limit && (same ? nsame : ndiff) >= limit)
			continue;
		*(same ? &nsame : &ndiff) += 1;
		if (ps->n == pcap) {
			pcap = pcap ? pcap * 2 : 256;
			ps->pair = realloc(ps->pair, (size_t)pcap *
			    sizeof *ps->pair);
			if (!ps->pair)
				die("out of memory", NULL);
		}
		ps->pair[ps->n].same = same;
		ps->pair[ps->n].a = photo_index(&ps->ph, &ps->nph, &cap, a);
		ps->pair[ps->n].b = photo_index(&ps->ph, &ps->nph, &cap, b);
		ps->n++;
	}
	fclose(pf);
}

/* The chips of the photos, and of their mirror images, packed: those of
 * the photos with a face, slot[i] the place of photo i's or -1. */
struct chips {
	uint8_t *chips, *mirror;
	int *slot;
	int n;			/* chips */
	int several;		/* photos with several faces found */
	int by_net, by_hog;	/* photos each detector alone finds a
				   face in (-d) */
	double t_decode, t_detect, t_align;
	struct image first;	/* the first photo */
};

/* Whether each detector alone finds a face in img: the network at its
 * defaults, HOG plain or upsampled once. */
static void
alone(ft_face_ctx *ctx, const struct image *img, struct chips *cs)
{
	ft_face_detect_opts up = {1, 0, 0};
	size_t stride = (size_t)img->w * 3;

	cs->by_net += ft_face_detect_net(ctx, img->px, img->w, img->h,
	    stride, 3, NULL, NULL, 0) > 0;
	cs->by_hog += ft_face_detect(ctx, img->px, img->w, img->h, stride, 3,
	    NULL, NULL, 0) > 0 || ft_face_detect(ctx, img->px, img->w,
	    img->h, stride, 3, &up, NULL, 0) > 0;
}

static void
mirror_chip(const uint8_t *c, uint8_t *mc)
{
	for (int y = 0; y < FT_FACE_CHIP; y++)
		for (int x = 0; x < FT_FACE_CHIP; x++)
			memcpy(mc + ((size_t)y * FT_FACE_CHIP + x) * 3, c +
			    ((size_t)y * FT_FACE_CHIP + FT_FACE_CHIP - 1 -
			    x) * 3, 3);
}

static void
chip_photos(ft_face_ctx *ctx, const char *dir, struct pairs *ps,
    struct chips *cs)
{
	memset(cs, 0, sizeof *cs);
	cs->chips = xcalloc((size_t)ps->nph, FT_FACE_CHIP_BYTES);
	cs->mirror = xcalloc((size_t)ps->nph, FT_FACE_CHIP_BYTES);
	cs->slot = xcalloc((size_t)ps->nph, sizeof *cs->slot);
	for (int i = 0; i < ps->nph; i++) {
		char path[2048];
		struct image img;
		uint8_t *c = cs->chips + (size_t)cs->n * FT_FACE_CHIP_BYTES;

		snprintf(path, sizeof path, "%s/%s", dir, ps->ph[i].name);
		int n = photo_chip(ctx, path, &img, c, &cs->t_decode,
		    &cs->t_detect, &cs->t_align);
		ps->ph[i].faces = n;
		cs->slot[i] = -1;
		if (detector_model)
			alone(ctx, &img, cs);
		if (n > 0) {
			mirror_chip(c, cs->mirror + (size_t)cs->n *
			    FT_FACE_CHIP_BYTES);
			ps->ph[i].found = 1;
			cs->slot[i] = cs->n++;
			cs->several += n > 1;
		}
		if (i == 0)
			cs->first = img;
		else
			free(img.px);
	}
}

static void
print_pairs(const struct pairs *ps, const struct chips *cs,
    float (*desc)[FT_FACE_DIM], float (*mdesc)[FT_FACE_DIM])
{
	for (int p = 0; p < ps->n; p++) {
		int sa = cs->slot[ps->pair[p].a], sb = cs->slot[ps->pair[p].b];
		const char *k = ps->pair[p].same ? "same" : "diff";
		const char *na = ps->ph[ps->pair[p].a].name;
		const char *nb = ps->ph[ps->pair[p].b].name;

		if (sa < 0 || sb < 0) {
			printf("%s none none %s %s\n", k, na, nb);
			continue;
		}
		float ma[FT_FACE_DIM], mb[FT_FACE_DIM];
		for (int c = 0; c < FT_FACE_DIM; c++) {
			ma[c] = (desc[sa][c] + mdesc[sa][c]) / 2;
			mb[c] = (desc[sb][c] + mdesc[sb][c]) / 2;
		}
		printf("%s %.6f %.6f %s %s\n", k, distance(desc[sa], desc[sb]),
		    distance(ma, mb), na, nb);
	}
}

/* Detection on a 640x480 frame: the first photo in the middle of a grey
 * one, as a camera at a door sees a customer. */
static void
print_frame_times(ft_face_ctx *ctx, const struct image *first)
{
	int fw = 640, fh = 480;
	uint8_t *frame = xcalloc((size_t)fw * fh, 3);

	memset(frame, 128, (size_t)fw * fh * 3);
	for (int y = 0; first->px && y < first->h && y < fh; y++)
		memcpy(frame + ((size_t)(y + (fh - first->h) / 2) * fw +
		    (size_t)(fw - first->w) / 2) * 3, first->px +
		    (size_t)y * first->w * 3, (size_t)first->w * 3);
	fprintf(stderr, "detect_640x480_ms %.1f\n",
	    detect_ms(ctx, frame, fw, fh, 0, 21, 0));
	fprintf(stderr, "detect_640x480_up1_ms %.1f\n",
	    detect_ms(ctx, frame, fw, fh, 1, 5, 0));
	if (detector_model) {
		fprintf(stderr, "net_640x480_ms %.1f\n",
		    detect_ms(ctx, frame, fw, fh, 0, 21, 1));
		fprintf(stderr, "net_640x480_up1_ms %.1f\n",
		    detect_ms(ctx, frame, fw, fh, 1, 5, 1));
	}
	fprintf(stderr, "photo_size %dx%d\n", first->w, first->h);
	free(frame);
}

/* The pairs: distances on stdout, figures on stderr. */
static int
pairs_eval(const char *desc_model, const char *shape_model,
    const char *dir, const char *pairs_file, int limit)
{
	struct pairs ps;
	struct chips cs;

	read_pairs(pairs_file, limit, &ps);
	ft_face_ctx *ctx = open_ctx(desc_model, shape_model);
	chip_photos(ctx, dir, &ps, &cs);

	int nf = cs.n, nph = ps.nph;
	float (*desc)[FT_FACE_DIM] = xcalloc((size_t)nph, sizeof *desc);
	float (*mdesc)[FT_FACE_DIM] = xcalloc((size_t)nph, sizeof *mdesc);
	double cpu1, cpu2, cpu3;
	double ms1 = describe_all(ctx, 1, cs.chips, nf, desc, &cpu1);
	double ms2 = describe_all(ctx, 2, cs.chips, nf, desc, &cpu2);
	describe_all(ctx, 2, cs.mirror, nf, mdesc, &cpu3);
	print_pairs(&ps, &cs, desc, mdesc);

	fprintf(stderr, "photos %d\n", nph);
	fprintf(stderr, "pairs %d\n", ps.n);
	fprintf(stderr, "found %d\n", nf);
	fprintf(stderr, "several_faces %d\n", cs.several);
	if (detector_model)
		fprintf(stderr, "found_by_net %d\nfound_by_hog %d\n",
		    cs.by_net, cs.by_hog);
	fprintf(stderr, "decode_ms %.2f\n", cs.t_decode / nph);
	fprintf(stderr, "detect_ms %.2f\n", cs.t_detect / nph);
	fprintf(stderr, "align_ms %.2f\n", nf ? cs.t_align / nf : 0);
	fprintf(stderr, "describe_1_per_s %.1f\n", nf / ms1 * 1e3);
	fprintf(stderr, "describe_2_per_s %.1f\n", nf / ms2 * 1e3);
	fprintf(stderr, "describe_1_per_cpu_s %.1f\n", nf / cpu1 * 1e3);
	fprintf(stderr, "describe_2_per_cpu_s %.1f\n", nf / cpu2 * 1e3);
	print_frame_times(ctx, &cs.first);
	for (int i = 0; i < nph; i++)
		if (!ps.ph[i].found)
			fprintf(stderr, "no_face %s\n", ps.ph[i].name);

	free(cs.first.px);
	free(cs.slot);
	free(cs.chips);
	free(cs.mirror);
	free(desc);
	free(mdesc);
	for (int i = 0; i < nph; i++)
		free(ps.ph[i].name);
	free(ps.ph);
	free(ps.pair);
	ft_face_close(ctx);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write error", NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	int opt, limit = 0;
	const char *list = NULL;

	while ((opt = getopt(argc, argv, "d:l:n:")) != -1) {
		if (opt == 'd') {
			detector_model = optarg;
			continue;
		}
		if (opt == 'l') {
			list = optarg;
			continue;
		}
		if (opt != 'n') {
			fprintf(stderr, "usage: face-eval [-d DETECTOR] "
			    "[-n PAIRS] DESCRIPTOR SHAPE FACES_DIR "
			    "PAIRS_FILE\n");
			return 2;
		}
		limit = atoi(optarg);
	}
	argc -= optind;
	argv += optind;
	if (list && argc == 3)
		return end_to_end(argv[0], argv[1], argv[2], list);
	if (argc != 4) {
		fprintf(stderr, "usage: face-eval [-n PAIRS] DESCRIPTOR "
		    "SHAPE FACES_DIR PAIRS_FILE\n");
		return 2;
	}
	return pairs_eval(argv[0], argv[1], argv[2], argv[3], limit);
}
