/*
 * synth.h — made-up face descriptors for the tests and benchmarks of
 * lib/review: people whose centres lie about 1.0 apart and samples
 * about 0.35 from each other, the distances dlib's network gives
 * between photos of two people and of one.  A fixed xorshift sequence,
 * so that every run draws the same faces.
 */
#ifndef FT_TEST_SYNTH_H
#define FT_TEST_SYNTH_H

#include <math.h>

#define SYNTH_DIM 128

static unsigned long long synth_rng = 88172645463325252ULL;

static inline double
synth_uniform(void)
{
	synth_rng ^= synth_rng << 13;
	synth_rng ^= synth_rng >> 7;
	synth_rng ^= synth_rng << 17;
	return (double)(synth_rng >> 11) / 9007199254740992.0;
}

static inline float
synth_gauss(void)
{
	double u = synth_uniform() + 1e-12, v = synth_uniform();

	return (float)(sqrt(-2 * log(u)) * cos(6.283185307179586 * v));
}

/* A person's centre: 1.0 / sqrt(2 * 128) a coordinate. */
static inline void
synth_person(float *c)
{
	for (int j = 0; j < SYNTH_DIM; j++)
		c[j] = synth_gauss() * 0.0625f;
}

/* A sample of centre c: 0.35 / sqrt(2 * 128) a coordinate. */
static inline void
synth_sample(const float *c, float *out)
{
	for (int j = 0; j < SYNTH_DIM; j++)
		out[j] = c[j] + synth_gauss() * 0.0219f;
}

#endif
