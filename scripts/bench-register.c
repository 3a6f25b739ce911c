/*
 * bench-register — registration quality of the matcher on labelled
 * descriptors, and the thresholds that give it.
 *
 * Reads `face` records with descriptors (ft-recognize --no-store
 * --descriptors over labelled photos, DIR/PERSON/FILE.jpg) on stdin and
 * replays them, in a shuffled order, as still images through lib/match
 * and lib/index exactly as ft-recognize decides: a face near enough to
 * its nearest customer (lib/match's threshold, a stricter one for
 * customers with few samples, and the lead over the customers around
 * it) is that customer, any other face good enough to register becomes a
 * new customer, and known faces far enough from their samples add one.
 * For each threshold it prints customers created per true person (ideal
 * 1.00), people wrongly merged into another's customer (ideal 0), photos
 * left unknown and people never known.
 *
 * usage: bench-register [--seed N] [--thresholds T,T,...]
 *                       [--strict-offset D] [--margin D] [--min-quality Q]
 *                       < faces.jsonl
 *
 * The defaults are lib/match's; --margin 0 turns the lead over the crowd
 * off, --min-quality 0 lets every face register.
 */
#include "face.h"
#include "faces.h"
#include "frame.h"
#include "index.h"
#include "jsonl.h"
#include "match.h"
#include "util.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DIM FT_DESCRIPTOR_DIM

struct photo {
	char *person;
	char *path;
	float d[DIM];
	double quality;
	/* While reading: every face found, to choose the photo's own. */
	ft_face_box *boxes;
	float (*descs)[DIM];
	double *qualities;
	int nfaces;
};

static struct photo *photos;
static size_t nphotos;

static void
take(jv rec)
{
	jv path = jv_object_get(jv_copy(rec), jv_string("path"));
	jv d = jv_object_get(jv_copy(rec), jv_string("descriptor"));
	jv box = jv_object_get(jv_copy(rec), jv_string("box"));
	jv q = jv_object_get(jv_copy(rec), jv_string("quality"));
	struct photo *p = NULL;
	const char *s, *slash, *prev;
	int i, k;

	if (jv_get_kind(path) != JV_KIND_STRING ||
	    jv_get_kind(d) != JV_KIND_ARRAY || jv_array_length(jv_copy(d)) !=
	    DIM || jv_get_kind(box) != JV_KIND_ARRAY)
		goto out;
	s = jv_string_value(path);
	if (nphotos && !strcmp(photos[nphotos - 1].path, s)) {
		p = &photos[nphotos - 1];
	} else {
		photos = ft_xrealloc(photos, (nphotos + 1) * sizeof *photos);
		p = &photos[nphotos++];
		memset(p, 0, sizeof *p);
		p->path = ft_xstrdup(s);
		slash = strrchr(s, '/');
		prev = slash;
		while (prev && prev > s && prev[-1] != '/')
			prev--;
		p->person = prev ? ft_xasprintf("%.*s", (int)(slash - prev),
		    prev) : ft_xstrdup(s);
	}
	k = p->nfaces++;
	p->boxes = ft_xrealloc(p->boxes, (size_t)p->nfaces *
	    sizeof *p->boxes);
	p->descs = ft_xrealloc(p->descs, (size_t)p->nfaces *
	    sizeof *p->descs);
	p->qualities = ft_xrealloc(p->qualities, (size_t)p->nfaces *
	    sizeof *p->qualities);
	memset(&p->boxes[k], 0, sizeof p->boxes[k]);
	p->boxes[k].left = (int)jv_number_value(jv_array_get(jv_copy(box), 0));
	p->boxes[k].top = (int)jv_number_value(jv_array_get(jv_copy(box), 1));
	p->boxes[k].width = (int)jv_number_value(jv_array_get(jv_copy(box),
	    2));
	p->boxes[k].height = (int)jv_number_value(jv_array_get(jv_copy(box),
	    3));
	p->qualities[k] = jv_get_kind(q) == JV_KIND_NUMBER ?
	    jv_number_value(q) : 1;
	for (i = 0; i < DIM; i++)
		p->descs[k][i] = (float)jv_number_value(jv_array_get(
		    jv_copy(d), i));
out:
	jv_free(path);
	jv_free(d);
	jv_free(box);
	jv_free(q);
	jv_free(rec);
}

/*
 * Keep the face each photo is of: ft_face_main's choice (largest,
 * nearest the middle) when the photo can be read for its size, else the
 * largest.  A bystander's face is someone else, not the labelled person.
 */
static void
choose_faces(void)
{
	size_t i;

	for (i = 0; i < nphotos; i++) {
		struct photo *p = &photos[i];
		ft_image img = { 0 };
		char *err = NULL;
		int k = -1;

		if (p->nfaces > 1 && !ft_image_read(p->path, &img, &err))
			k = ft_face_main(p->boxes, p->nfaces, img.width,
			    img.height);
		if (k < 0)
			k = ft_faces_largest(p->boxes, p->nfaces);
		ft_image_clear(&img);
		free(err);
		memcpy(p->d, p->descs[k], sizeof p->d);
		p->quality = p->qualities[k];
		free(p->boxes);
		free(p->descs);
		free(p->qualities);
	}
}

static unsigned long long rng;

static size_t
pick(size_t n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (size_t)((rng >> 33) % n);
}

/* The true person of each customer, by the photo that registered it. */
struct owner {
	int64_t customer;
	const char *person;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
run(float threshold, float strict_offset, float margin, double min_quality,
    const size_t *order)
{
	ft_match_config c;
	ft_match *m;
	ft_index *ix = ft_index_new(DIM, FT_INDEX_EXACT, 0);
	struct owner *own = ft_xcalloc(nphotos + 1, sizeof *own);
	const char **cust_person_of_photo = ft_xcalloc(nphotos,
	    sizeof *cust_person_of_photo);
	int64_t *cust_of = ft_xcalloc(nphotos, sizeof *cust_of);
	int64_t next_customer = 1, next_face = 1;
	size_t i, j, npeople = 0, ncust = 0, merged = 0, unknown = 0,
	    unseen = 0;
	const char **people;

	ft_match_config_default(&c);
	c.threshold = threshold;
	c.strict_threshold = threshold - strict_offset;
	c.min_sightings = 1;
	c.min_quality = min_quality;
	if (margin >= 0)
		c.margin = margin;
	if (margin == 0)
		c.cohort = 0;
	m = ft_match_new(&c, NULL, NULL);
	for (i = 0; i < nphotos; i++) {
		struct photo *p = &photos[order[i]];
		ft_match_face f = { { 0, 0, 100, 100 }, p->quality, p->d,
		    { { 0 } }, 0, 0 };
		ft_index_hit hits[FT_MATCH_MAX_CANDIDATES];
		ft_match_result r;
		int need, n, k;

		ft_match_track(m, "bench", (int64_t)i * 1000, &f, 1, &need);
		n = ft_index_search(ix, p->d, hits, FT_MATCH_MAX_CANDIDATES);
		for (k = 0; k < n; k++) {
			f.cand[k].customer_id = hits[k].customer_id;
			f.cand[k].distance = hits[k].distance;
			f.cand[k].trusted = ft_index_customer_samples(ix,
			    hits[k].customer_id) >= c.trusted_samples;
		}
		f.ncand = n;
		ft_match_identify(m, "bench", (int64_t)i * 1000, &f, 1, &r);
		if (r.status == FT_MATCH_NEW) {
			int64_t id = next_customer++;

			for (k = 0; k < r.nsamples; k++) {
				int64_t fid = next_face++;

				ft_index_add(ix, 1, &fid, &id, r.samples[k]);
			}
			own[ncust].customer = id;
			own[ncust].person = p->person;
			ncust++;
			cust_of[order[i]] = id;
		} else if (r.status == FT_MATCH_KNOWN) {
			cust_of[order[i]] = r.customer_id;
			if (r.add_sample && ft_index_customer_samples(ix,
			    r.customer_id) < 8) {
				int64_t fid = next_face++;

				ft_index_add(ix, 1, &fid, &r.customer_id,
				    p->d);
			}
		} else {
			unknown++;
		}
		ft_match_end_tracks(m, "bench");
	}
	/* People: distinct names; a person is wrongly merged when any of
	 * their photos went to a customer another person registered. */
	people = ft_xcalloc(nphotos, sizeof *people);
	for (i = 0; i < nphotos; i++)
		people[i] = photos[i].person;
	qsort(people, nphotos, sizeof *people, cmp_str);
	for (i = 0; i < nphotos; i++)
		if (!i || strcmp(people[i], people[i - 1]))
			npeople++;
	for (i = 0; i < nphotos; i++) {
		const char *owner = NULL;

		for (j = 0; j < ncust; j++)
			if (own[j].customer == cust_of[i])
				owner = own[j].person;
		cust_person_of_photo[i] = owner;
	}
	for (i = 0; i < nphotos; i++) {
		int bad = 0, seen = 0;

		if (i && !strcmp(people[i], people[i - 1]))
			continue;
		for (j = 0; j < nphotos; j++) {
			if (strcmp(photos[j].person, people[i]) ||
			    !cust_person_of_photo[j])
				continue;
			seen = 1;
			if (strcmp(cust_person_of_photo[j], people[i]))
				bad = 1;
		}
		merged += bad;
		unseen += !seen;
	}
	printf("  threshold %.2f strict %.2f margin %.2f: %zu photos of %zu "
	    "people, "
	    "%zu customers, %.2f customers per person, %zu people wrongly "
	    "merged (%.1f%%); %zu photos too poor to register left unknown, "
	    "%zu people never known\n",
	    threshold, threshold - strict_offset, c.cohort ? c.margin : 0,
	    nphotos, npeople, ncust, (double)ncust / (double)npeople, merged,
	    100.0 * (double)merged / (double)npeople, unknown, unseen);
	fflush(stdout);
	free(people);
	free(own);
	free(cust_person_of_photo);
	free(cust_of);
	ft_match_free(m);
	ft_index_free(ix);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "thresholds", required_argument, NULL, 't' },
		{ "strict-offset", required_argument, NULL, 'o' },
		{ "margin", required_argument, NULL, 'm' },
		{ "min-quality", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	const char *thresholds = "0.40,0.45,0.50,0.55,0.60";
	ft_match_config defaults;
	float offset, margin = -1;
	double min_quality;
	ft_jsonl_reader *r;
	size_t *order, i;
	char *list, *tok;
	jv rec;
	int o, rc;

	ft_set_progname(argv[0]);
	ft_match_config_default(&defaults);
	offset = defaults.threshold - defaults.strict_threshold;
	min_quality = defaults.min_quality;
	rng = 1;
	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case 's': rng = strtoull(optarg, NULL, 10); break;
		case 't': thresholds = optarg; break;
		case 'o': offset = strtof(optarg, NULL); break;
		case 'm': margin = strtof(optarg, NULL); break;
		case 'q': min_quality = strtod(optarg, NULL); break;
		default:
			fprintf(stderr, "usage: bench-register [--seed N] "
			    "[--thresholds T,...] [--strict-offset D] [--margin D]\n"
			    "                      [--min-quality Q]\n");
			return 2;
		}
	}
	r = ft_jsonl_reader_new(stdin, "stdin");
	while ((rc = ft_jsonl_read(r, &rec)) != 0)
		if (rc > 0)
			take(rec);
	ft_jsonl_reader_free(r);
	if (!nphotos)
		ft_die(1, "no face records with descriptors and paths");
	choose_faces();
	order = ft_xcalloc(nphotos, sizeof *order);
	for (i = 0; i < nphotos; i++)
		order[i] = i;
	for (i = nphotos - 1; i > 0; i--) {
		size_t j = pick(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	list = ft_xstrdup(thresholds);
	for (tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
		run(strtof(tok, NULL), offset, margin, min_quality, order);
	free(list);
	free(order);
	return 0;
}
