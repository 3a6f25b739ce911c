/*
 * face — dlib behind the C interface of face.h.
 *
 * No exception crosses into C: every public function catches them all and
 * turns them into -1 (or NULL) and a message.  The caller's pixels are
 * read in place through a view that implements dlib's generic image
 * interface, so detection and alignment copy nothing but what dlib itself
 * makes (an upsampled image, the chip).
 */
#include "face.h"
#include "face_priv.h"
#include "face_tiny.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/revision.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <new>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

/* The caller's pixels as a read-only dlib image of pixel type P. */
template <typename P>
struct view {
	const uint8_t *data;
	long rows, cols, stride;
};

template <typename P>
long num_rows(const view<P> &v) { return v.rows; }
template <typename P>
long num_columns(const view<P> &v) { return v.cols; }
template <typename P>
long width_step(const view<P> &v) { return v.stride; }
template <typename P>
const void *image_data(const view<P> &v) { return v.data; }
/* dlib asks for the non-const form in some templates it never writes
 * through for an input image. */
template <typename P>
void *image_data(view<P> &v) { return const_cast<uint8_t *>(v.data); }

}

namespace dlib {
template <typename P>
struct image_traits<view<P>> {
	typedef P pixel_type;
};
}

struct ft_face_ctx {
	dlib::frontal_face_detector detector;
	dlib::shape_predictor shape;
	bool have_shape = false;
	/* net[0] and, with ft_face_set_threads, one copy per further
	 * thread: a network keeps its activations and cannot be shared. */
	std::vector<std::unique_ptr<ft_facenet::net>> net;
	bool mirror = false;	/* ft_face_set_mirror */
	bool quantised = false;
	std::string sha256, id, err;
	std::string shape_path, descriptor_path;
	std::unique_ptr<ft_tiny::detector> tiny;	/* ft_face_load_detector */
	std::string tiny_sha256;
	/* ft_face_models: filled on its first call */
	std::string shape_sha256, detector_sha256, detector_origin;
	std::string shape_kind, shape_origin, shape_licence;
	std::string desc_kind, desc_origin, desc_licence;
};

namespace {

/*
 * SHA-256 (FIPS 180-4), to name the descriptor model by its contents.
 * Small and slow enough (about 200 MB/s) for one 22 MB file at start.
 */
class sha256 {
public:
	void update(const unsigned char *p, size_t n)
	{
		len += n;
		while (n > 0) {
			size_t k = std::min(n, sizeof buf - fill);
			std::memcpy(buf + fill, p, k);
			fill += k;
			p += k;
			n -= k;
			if (fill == sizeof buf) {
				block(buf);
				fill = 0;
			}
		}
	}

	std::string hex()
	{
		uint64_t bits = len * 8;
		unsigned char pad = 0x80, zero = 0, be[8];

		update(&pad, 1);
		while (fill != 56)
			update(&zero, 1);
		for (int i = 0; i < 8; i++)
			be[i] = (unsigned char)(bits >> (56 - 8 * i));
		update(be, 8);

		std::string s;
		char d[9];
		for (uint32_t v : h) {
			std::snprintf(d, sizeof d, "%08x", (unsigned)v);
			s += d;
		}
		return s;
	}

private:
	static uint32_t ror(uint32_t x, int n)
	{
		return x >> n | x << (32 - n);
	}

	void block(const unsigned char *p)
	{
		static const uint32_t k[64] = {
			0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
			0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
			0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
			0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
			0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
			0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
			0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
			0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
			0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
			0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
			0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
			0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
			0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
			0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
			0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
			0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
		};
		uint32_t w[64], v[8];

		for (int i = 0; i < 16; i++)
			w[i] = (uint32_t)p[4 * i] << 24 |
			    (uint32_t)p[4 * i + 1] << 16 |
			    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
		for (int i = 16; i < 64; i++) {
			uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
			    w[i - 15] >> 3;
			uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^
			    w[i - 2] >> 10;
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		std::copy(h, h + 8, v);
		for (int i = 0; i < 64; i++) {
			uint32_t s1 = ror(v[4], 6) ^ ror(v[4], 11) ^
			    ror(v[4], 25);
			uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
			uint32_t t1 = v[7] + s1 + ch + k[i] + w[i];
			uint32_t s0 = ror(v[0], 2) ^ ror(v[0], 13) ^
			    ror(v[0], 22);
			uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^
			    (v[1] & v[2]);
			uint32_t t2 = s0 + maj;
			v[7] = v[6];
			v[6] = v[5];
			v[5] = v[4];
			v[4] = v[3] + t1;
			v[3] = v[2];
			v[2] = v[1];
			v[1] = v[0];
			v[0] = t1 + t2;
		}
		for (int i = 0; i < 8; i++)
			h[i] += v[i];
	}

	uint32_t h[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	unsigned char buf[64];
	size_t fill = 0;
	uint64_t len = 0;
};

std::string
file_sha256(const char *path)
{
	std::ifstream in(path, std::ios::binary);
	std::vector<char> buf(1 << 16);
	sha256 h;

	if (!in)
		throw std::runtime_error(std::string("cannot read '") +
		    path + "'");
	while (in) {
		in.read(buf.data(), (std::streamsize)buf.size());
		h.update((const unsigned char *)buf.data(),
		    (size_t)in.gcount());
	}
	if (in.bad())
		throw std::runtime_error(std::string("cannot read '") +
		    path + "'");
	return h.hex();
}

/*
 * Quantised weights take at most 256 values per tensor; a float model
 * takes thousands in its 32768 output weights.  The file's contents, not
 * its name, say which kind of model it is.
 */
bool
is_quantised(ft_facenet::net &net)
{
	std::set<float> values;

	dlib::visit_computational_layers(net,
	    [&values](dlib::fc_<128, dlib::FC_NO_BIAS> &fc) {
		const dlib::tensor &p = fc.get_layer_params();
		values.insert(p.begin(), p.end());
	});
	return !values.empty() && values.size() <= 256;
}

bool
image_ok(ft_face_ctx *ctx, const uint8_t *pixels, int width, int height,
    size_t stride, int channels)
{
	if (!pixels || width <= 0 || height <= 0 ||
	    (channels != 1 && channels != 3) ||
	    stride < (size_t)width * (size_t)channels) {
		ctx->err = "bad image arguments";
		return false;
	}
	return true;
}

/* The arguments of a detection: the image's, the options (NULL: the
 * defaults, set in *opts) and the output. */
bool
detect_args_ok(ft_face_ctx *ctx, const uint8_t *pixels, int width,
    int height, size_t stride, int channels,
    const ft_face_detect_opts **opts, const ft_face_box *out, int max)
{
	static const ft_face_detect_opts defaults = {0, 0, 0.0};

	if (!*opts)
		*opts = &defaults;
	if (!image_ok(ctx, pixels, width, height, stride, channels))
		return false;
	if ((*opts)->upsample < 0 || (*opts)->upsample > 3 || max < 0 ||
	    (max > 0 && !out)) {
		ctx->err = "bad detection arguments";
		return false;
	}
	return true;
}

template <typename P>
view<P>
make_view(const uint8_t *pixels, int width, int height, size_t stride)
{
	return view<P>{pixels, height, width, (long)stride};
}

template <typename IMG>
void
detect(ft_face_ctx *ctx, const IMG &img, int upsample, double threshold,
    std::vector<dlib::rect_detection> &dets)
{
	typedef typename dlib::image_traits<IMG>::pixel_type pixel;

	if (upsample <= 0) {
		ctx->detector(img, dets, threshold);
		return;
	}
	/* object_detector's second argument only shifts the threshold;
	 * smaller faces need a larger image. */
	dlib::pyramid_down<2> pyr;
	dlib::array2d<pixel> a, b;
	dlib::pyramid_up(img, a, pyr);
	for (int i = 1; i < upsample; i++) {
		dlib::pyramid_up(a, b, pyr);
		dlib::swap(a, b);
	}
	ctx->detector(a, dets, threshold);
	for (dlib::rect_detection &d : dets)
		d.rect = dlib::rectangle(pyr.rect_down(
		    dlib::drectangle(d.rect), (unsigned)upsample));
}

template <typename IMG>
void
align(ft_face_ctx *ctx, const IMG &img, const ft_face_box *box,
    ft_face_shape *shape, uint8_t *chip)
{
	dlib::rectangle r(box->left, box->top, box->left + box->width - 1,
	    box->top + box->height - 1);
	dlib::full_object_detection s = ctx->shape(img, r);
	unsigned long n = s.num_parts();

	if (shape) {
		shape->n = (int)std::min<unsigned long>(n,
		    FT_FACE_POINTS_MAX);
		for (int i = 0; i < shape->n; i++) {
			shape->x[i] = (float)s.part((unsigned long)i).x();
			shape->y[i] = (float)s.part((unsigned long)i).y();
		}
	}
	if (!chip)
		return;
	if (n != 68 && n != 5)
		throw std::runtime_error("the shape model has " +
		    std::to_string(n) + " points; a chip needs 68 or 5");
	dlib::matrix<dlib::rgb_pixel> c;
	dlib::extract_image_chip(img, dlib::get_face_chip_details(s,
	    (unsigned long)FT_FACE_CHIP, 0.25), c);
	for (long y = 0; y < FT_FACE_CHIP; y++)
		for (long x = 0; x < FT_FACE_CHIP; x++) {
			const dlib::rgb_pixel &p = c(y, x);
			*chip++ = p.red;
			*chip++ = p.green;
			*chip++ = p.blue;
		}
}

/* dlib reports a missing file in words of its own; say it as the
 * programs do. */
void
check_readable(const char *path)
{
	FILE *f = std::fopen(path, "rb");

	if (!f)
		throw std::runtime_error(std::string("cannot read '") + path +
		    "': " + std::strerror(errno));
	std::fclose(f);
}

/*
 * dlib's convolutions are many small matrix products; on 2 cores,
 * OpenBLAS's own threads made them slower, not faster (15 ms a face on
 * one thread, 55 ms on two).  Faces are spread over threads instead
 * (ft_face_set_threads).  Looked up at run time, as the BLAS library is
 * whatever Debian's alternatives system points at.
 */
void
single_threaded_blas()
{
	typedef void (*set_threads_fn)(int);
	set_threads_fn f = (set_threads_fn)dlsym(RTLD_DEFAULT,
	    "openblas_set_num_threads");

	if (f)
		f(1);
}

/* Chips in one forward pass.  On 2 cores, 4 a pass described 10%
 * faster than 1 and than 16, measured with tests/face/face-eval. */
constexpr int pass_chips = 4;

void
describe_part(ft_facenet::net &net, const uint8_t *chips, int n,
    float (*out)[FT_FACE_DIM], bool mirror)
{
	/* With mirror, each chip is followed by its mirror image and the
	 * two descriptors are averaged. */
	int per = mirror ? 2 : 1;
	std::vector<dlib::matrix<dlib::rgb_pixel>> in((size_t)(n * per));

	for (int i = 0; i < n; i++) {
		dlib::matrix<dlib::rgb_pixel> &m = in[(size_t)(i * per)];
		m.set_size(FT_FACE_CHIP, FT_FACE_CHIP);
		std::memcpy(&m(0, 0), chips + (size_t)i * FT_FACE_CHIP_BYTES,
		    FT_FACE_CHIP_BYTES);
		if (mirror)
			in[(size_t)(i * per + 1)] = dlib::fliplr(m);
	}
	/* Passes of a few chips: the matrix products grow with the batch,
	 * but past a few chips they no longer fit in the cache. */
	int total = n * per;
	for (int i = 0; i < total; i += pass_chips) {
		size_t k = (size_t)std::min(pass_chips, total - i);
		std::vector<dlib::matrix<float, 0, 1>> d(k);
		net(in.begin() + i, in.begin() + i + (long)k, d.begin());
		for (size_t j = 0; j < k; j++) {
			int at = (i + (int)j) / per;
			for (int c = 0; c < FT_FACE_DIM; c++)
				out[at][c] = per == 1 ? d[j](c) :
				    (i + (int)j) % 2 == 0 ? d[j](c) :
				    (out[at][c] + d[j](c)) / 2;
		}
	}
}

/* Copy a message for the C caller; NULL when memory ran out. */
char *
c_string(const std::string &s)
{
	char *p = (char *)std::malloc(s.size() + 1);

	if (p)
		std::memcpy(p, s.c_str(), s.size() + 1);
	return p;
}

}

extern "C" {

ft_face_ctx *
ft_face_open(const char *descriptor_model, const char *shape_model,
    char **errp)
{
	ft_face_ctx *ctx = nullptr;
	const char *reading = nullptr;

	if (errp)
		*errp = nullptr;
	try {
		ctx = new ft_face_ctx;
		/* The files first: a wrong path fails before the
		 * detector's half second of unpacking. */
		if (shape_model) {
			reading = shape_model;
			check_readable(shape_model);
			dlib::deserialize(shape_model) >> ctx->shape;
			ctx->have_shape = true;
			ctx->shape_path = shape_model;
		}
		if (descriptor_model) {
			reading = descriptor_model;
			check_readable(descriptor_model);
			ctx->net.emplace_back(new ft_facenet::net);
			dlib::deserialize(descriptor_model) >> *ctx->net[0];
			ctx->sha256 = file_sha256(descriptor_model);
			ctx->quantised = is_quantised(*ctx->net[0]);
			ctx->descriptor_path = descriptor_model;
			ctx->id = std::string(ctx->quantised ?
			    "faceapi-resnet-q8:" : "dlib-resnet:") +
			    ctx->sha256.substr(0, 16);
			single_threaded_blas();
		}
		reading = nullptr;
		ctx->detector = dlib::get_frontal_face_detector();
		return ctx;
	} catch (const std::exception &e) {
		std::string msg = e.what();
		/* dlib's messages run over several lines and start with
		 * a blank one; the first line with text is enough. */
		size_t b = msg.find_first_not_of(" \t\n");
		msg = b == std::string::npos ? "" :
		    msg.substr(b, msg.find('\n', b) - b);
		if (reading && dynamic_cast<const dlib::serialization_error *>(
		    &e))
			msg = std::string("cannot read '") + reading +
			    "': not a model of the expected kind";
		else if (reading && msg.find(reading) == std::string::npos)
			msg = std::string("cannot read '") + reading + "': " +
			    msg;
		if (errp)
			*errp = c_string(msg);
	} catch (...) {
		if (errp)
			*errp = c_string("cannot load the face models");
	}
	delete ctx;
	return nullptr;
}

int
ft_face_models(ft_face_ctx *ctx, ft_face_model_info *out, int max)
{
	try {
		if (ctx->detector_sha256.empty()) {
			/* The detector is data compiled into dlib's
			 * headers; its serialised form names it. */
			std::ostringstream ser;
			dlib::serialize(ctx->detector, ser);
			std::string b = ser.str();
			sha256 h;
			h.update((const unsigned char *)b.data(), b.size());
			ctx->detector_sha256 = h.hex();
			ctx->detector_origin = "dlib " +
			    std::to_string(DLIB_MAJOR_VERSION) + "." +
			    std::to_string(DLIB_MINOR_VERSION) +
			    ", get_frontal_face_detector(), compiled in";
		}
		if (ctx->have_shape && ctx->shape_sha256.empty()) {
			ctx->shape_sha256 = file_sha256(
			    ctx->shape_path.c_str());
			unsigned long n = ctx->shape.num_parts();
			ctx->shape_kind = "dlib " + std::to_string(n) +
			    "-point shape predictor";
			if (n == 68) {
				ctx->shape_origin = "dlib-models "
				    "shape_predictor_68_face_landmarks.dat, "
				    "as Debian's libdlib-data ships it";
				ctx->shape_licence = "CC0 1.0 (the file); "
				    "trained on the iBUG 300-W data set, "
				    "whose licence excludes commercial use: "
				    "for commercial use set FT_MODEL_SHAPE "
				    "to dlib's 5-point predictor";
			} else if (n == 5) {
				ctx->shape_origin = "dlib-models "
				    "shape_predictor_5_face_landmarks.dat, "
				    "supplied by the user";
				ctx->shape_licence = "public domain; trained "
				    "on dlib's own 5-point landmark data set";
			} else {
				ctx->shape_origin = "supplied by the user";
				ctx->shape_licence = "unknown";
			}
		}
		if (!ctx->net.empty() && ctx->desc_kind.empty()) {
			if (ctx->quantised) {
				ctx->desc_kind = "dlib face recognition "
				    "ResNet, 8-bit quantised weights";
				ctx->desc_origin = "npm @vladmandic/face-api "
				    "model/face_recognition_model.bin, "
				    "converted by make models";
				ctx->desc_licence = "MIT (face-api); the "
				    "network and its training are dlib's "
				    "(dlib-models, public domain)";
			} else {
				ctx->desc_kind = "dlib face recognition "
				    "ResNet, float weights";
				ctx->desc_origin = "dlib-models "
				    "dlib_face_recognition_resnet_model_v1"
				    ".dat or the like, supplied by the user";
				ctx->desc_licence = "public domain "
				    "(dlib-models)";
			}
		}
	} catch (const std::exception &e) {
		ctx->err = e.what();
		return -1;
	}

	int n = 0;
	auto add = [&](const char *role, const std::string &path,
	    const std::string &sum, const char *kind, const std::string &from,
	    const char *licence) {
		if (n < max) {
			out[n].role = role;
			out[n].path = path.c_str();
			out[n].sha256 = sum.c_str();
			out[n].kind = kind;
			out[n].origin = from.c_str();
			out[n].licence = licence;
		}
		n++;
	};
	static const std::string built_in = "(built in)";
	static const std::string tiny_origin = "npm @vladmandic/face-api "
	    "model/tiny_face_detector_model.bin, converted by make models";
	if (ctx->tiny)
		add("detector", ctx->tiny->path(), ctx->tiny_sha256,
		    "face-api tiny face detector, a YOLOv2-like network",
		    tiny_origin, "MIT (face-api)");
	add("detector", built_in, ctx->detector_sha256,
	    "dlib HOG frontal face detector, 5 filters",
	    ctx->detector_origin, "Boost Software License 1.0; "
	    "trained on Labeled Faces in the Wild");
	if (ctx->have_shape)
		add("shape", ctx->shape_path, ctx->shape_sha256,
		    ctx->shape_kind.c_str(), ctx->shape_origin,
		    ctx->shape_licence.c_str());
	if (!ctx->net.empty())
		add("descriptor", ctx->descriptor_path, ctx->sha256,
		    ctx->desc_kind.c_str(), ctx->desc_origin,
		    ctx->desc_licence.c_str());
	return n;
}

void
ft_face_close(ft_face_ctx *ctx)
{
	delete ctx;
}

const char *
ft_face_errmsg(const ft_face_ctx *ctx)
{
	return ctx->err.c_str();
}

const char *
ft_face_model_id(const ft_face_ctx *ctx)
{
	return ctx->net.empty() ? nullptr : ctx->id.c_str();
}

const char *
ft_face_model_sha256(const ft_face_ctx *ctx)
{
	return ctx->net.empty() ? nullptr : ctx->sha256.c_str();
}

void
ft_face_set_mirror(ft_face_ctx *ctx, int on)
{
	ctx->mirror = on != 0;
}

int
ft_face_set_threads(ft_face_ctx *ctx, int n)
{
	if (ctx->net.empty()) {
		ctx->err = "no descriptor model loaded";
		return -1;
	}
	if (n < 1 || n > 64) {
		ctx->err = "bad thread count";
		return -1;
	}
	try {
		ctx->net.resize((size_t)n);
		for (auto &p : ctx->net)
			if (!p)
				p.reset(new ft_facenet::net(*ctx->net[0]));
		return 0;
	} catch (const std::exception &e) {
		ctx->net.resize(1);
		ctx->err = std::string("cannot copy the network: ") +
		    e.what();
		return -1;
	}
}

int
ft_face_detect(ft_face_ctx *ctx, const uint8_t *pixels, int width,
    int height, size_t stride, int channels,
    const ft_face_detect_opts *opts, ft_face_box *out, int max)
{
	if (!detect_args_ok(ctx, pixels, width, height, stride, channels,
	    &opts, out, max))
		return -1;
	try {
		std::vector<dlib::rect_detection> dets;

		if (channels == 1)
			detect(ctx, make_view<unsigned char>(pixels, width,
			    height, stride), opts->upsample, opts->threshold,
			    dets);
		else
			detect(ctx, make_view<dlib::rgb_pixel>(pixels, width,
			    height, stride), opts->upsample, opts->threshold,
			    dets);
		std::stable_sort(dets.begin(), dets.end(),
		    [](const dlib::rect_detection &a,
		    const dlib::rect_detection &b) {
			return a.detection_confidence >
			    b.detection_confidence;
		});
		int n = 0;
		for (const dlib::rect_detection &d : dets) {
			if (d.rect.width() < (unsigned long)
			    std::max(opts->min_size, 0))
				continue;
			if (n < max) {
				out[n].left = (int)d.rect.left();
				out[n].top = (int)d.rect.top();
				out[n].width = (int)d.rect.width();
				out[n].height = (int)d.rect.height();
				out[n].confidence = d.detection_confidence;
				out[n].pose = (int)d.weight_index;
			}
			n++;
		}
		return n;
	} catch (const std::exception &e) {
		ctx->err = std::string("face detection failed: ") + e.what();
		return -1;
	}
}

int
ft_face_load_detector(ft_face_ctx *ctx, const char *path)
{
	try {
		check_readable(path);
		ctx->tiny.reset(new ft_tiny::detector(path));
		ctx->tiny_sha256 = file_sha256(path);
		return 0;
	} catch (const std::exception &e) {
		ctx->tiny.reset();
		ctx->err = e.what();
		if (ctx->err.find(path) == std::string::npos)
			ctx->err = std::string("cannot read the detector "
			    "model '") + path + "': " + ctx->err;
		return -1;
	}
}

int
ft_face_detector_loaded(const ft_face_ctx *ctx)
{
	return ctx->tiny != nullptr;
}

/* The face width the network finds best, in its input's pixels. */
static const double net_face = 45;
/* Boxes scoring this far below the minimum are the network's unsure
 * ones: kept when HOG finds the face there too. */
static const double net_unsure = 0.2;

/*
 * Append the network's boxes, found above unsure, to out as HOG's
 * geometry: those at least min_size wide, and of the unsure ones only
 * those HOG confirms.  n counts them all, max or not.
 */
static void
net_keep(ft_face_ctx *ctx, const uint8_t *pixels, int width, int height,
    size_t stride, int channels, const std::vector<ft_tiny::box> &found,
    int min_size, double min_score, ft_face_box *out, int max, int *n)
{
	for (const ft_tiny::box &b : found) {
		ft_face_box fb;
		ft_tiny::to_dlib(b, &fb);
		if (fb.width < min_size)
			continue;
		if (b.score <= min_score && ft_face_refine(ctx, pixels, width,
		    height, stride, channels, &fb) != 1)
			continue;
		if (*n < max)
			out[*n] = fb;
		(*n)++;
	}
}

/* The lowest score kept, and the lowest of the unsure band below it. */
static void
net_scores(const ft_face_detect_opts *opts, double *min_score,
    double *unsure)
{
	*min_score = std::min(0.99, std::max(0.01,
	    FT_FACE_NET_SCORE + opts->threshold));
	*unsure = std::max(0.01, *min_score - net_unsure);
}

/* A detection's arguments, as detect_args_ok, and a network loaded. */
static bool
net_args_ok(ft_face_ctx *ctx, const uint8_t *pixels, int width, int height,
    size_t stride, int channels, const ft_face_detect_opts **opts,
    const ft_face_box *out, int max)
{
	if (!detect_args_ok(ctx, pixels, width, height, stride, channels,
	    opts, out, max))
		return false;
	if (!ctx->tiny) {
		ctx->err = "no face detector model loaded";
		return false;
	}
	return true;
}

int
ft_face_detect_net(ft_face_ctx *ctx, const uint8_t *pixels, int width,
    int height, size_t stride, int channels,
    const ft_face_detect_opts *opts, ft_face_box *out, int max)
{
	if (!net_args_ok(ctx, pixels, width, height, stride, channels,
	    &opts, out, max))
		return -1;
	try {
		double scale = opts->min_size > net_face ?
		    net_face / opts->min_size : 1.0;
		double min_score, unsure;
		int n = 0;

		net_scores(opts, &min_score, &unsure);
		scale *= 1 << opts->upsample;
		net_keep(ctx, pixels, width, height, stride, channels,
		    ctx->tiny->find_all(pixels, width, height, stride,
		    channels, scale, unsure), opts->min_size, min_score, out,
		    max, &n);
		return n;
	} catch (const std::exception &e) {
		ctx->err = std::string("face detection failed: ") + e.what();
		return -1;
	}
}

/* The input's side for a square around a face: three cells, so that the
 * face, half the square, is some 48 pixels wide, about the size the
 * network finds best (net_face). */
static const int near_side = 96;
/* Squares a pass at most: bounds the memory of a crowd's. */
static const size_t near_batch = 16;

int
ft_face_detect_net_near(ft_face_ctx *ctx, const uint8_t *pixels, int width,
    int height, size_t stride, int channels, const ft_face_box *near,
    int nnear, const ft_face_detect_opts *opts, ft_face_box *out, int max)
{
	if (!net_args_ok(ctx, pixels, width, height, stride, channels,
	    &opts, out, max))
		return -1;
	if (nnear < 0 || (nnear > 0 && !near)) {
		ctx->err = "bad face boxes";
		return -1;
	}
	try {
		std::vector<cv::Rect> squares;
		double min_score, unsure;
		int n = 0;

		for (int i = 0; i < nnear; i++) {
			int side = 2 * std::max(near[i].width, near[i].height);
			if (near[i].width <= 0 || near[i].height <= 0 ||
			    side > 4 * std::max(width, height)) {
				ctx->err = "bad face box";
				return -1;
			}
			squares.emplace_back(near[i].left + near[i].width / 2 -
			    side / 2, near[i].top + near[i].height / 2 -
			    side / 2, side, side);
		}
		net_scores(opts, &min_score, &unsure);
		for (size_t i = 0; i < squares.size(); i += near_batch) {
			std::vector<cv::Rect> some(squares.begin() + i,
			    squares.begin() + std::min(squares.size(),
			    i + near_batch));
			for (const std::vector<ft_tiny::box> &found :
			    ctx->tiny->find_in(pixels, width, height, stride,
			    channels, some, near_side, unsure))
				net_keep(ctx, pixels, width, height, stride,
				    channels, found, opts->min_size, min_score,
				    out, max, &n);
		}
		return n;
	} catch (const std::exception &e) {
		ctx->err = std::string("face detection failed: ") + e.what();
		return -1;
	}
}

/*
 * ft_face_refine looks at the image's own scale where HOG finds the face
 * there (from 80 pixels), so that its box snaps to the sizes of HOG's
 * pyramid over the whole image: upsampled a whole number of times (up to
 * 4) below, scaled down by a whole factor above refine_max.  Its
 * threshold is lower than a search's: the network has already found a
 * face there.
 */
static const int refine_min = 80, refine_max = 160;
static const double refine_threshold = -0.5;
/* HOG's box and the network's overlap this much at least: the network's
 * box, mapped, can sit higher or lower on a face with a high forehead. */
static const double refine_iou = 0.25;

int
ft_face_refine(ft_face_ctx *ctx, const uint8_t *pixels, int width,
    int height, size_t stride, int channels, ft_face_box *box)
{
	if (!image_ok(ctx, pixels, width, height, stride, channels))
		return -1;
	if (!box || box->width <= 0 || box->height <= 0) {
		ctx->err = "bad face box";
		return -1;
	}
	if (box->pose >= 0)
		return 0;
	try {
		/* A square twice the box's side around it, in grey. */
		int cx = box->left + box->width / 2;
		int cy = box->top + box->height / 2;
		int x0 = std::max(0, cx - box->width);
		int y0 = std::max(0, cy - box->width);
		int x1 = std::min(width, cx + box->width);
		int y1 = std::min(height, cy + box->width);
		if (x1 - x0 < 8 || y1 - y0 < 8)
			return 0;
		cv::Mat src(height, width, channels == 1 ? CV_8UC1 : CV_8UC3,
		    const_cast<uint8_t *>(pixels), stride);
		cv::Mat part = src(cv::Rect(x0, y0, x1 - x0, y1 - y0)), grey;
		if (channels == 3)
			cv::cvtColor(part, grey, cv::COLOR_RGB2GRAY);
		else
			grey = part;
		double f = box->width < refine_min ? std::min(4,
		    (refine_min + 10 + box->width - 1) / box->width) :
		    box->width > refine_max ? 1.0 / (box->width /
		    (refine_max / 2)) : 1;
		cv::Mat scaled = grey;
		if (f != 1)
			cv::resize(grey, scaled, cv::Size(), f, f, f < 1 ?
			    cv::INTER_AREA : cv::INTER_LINEAR);
		std::vector<dlib::rect_detection> dets;
		detect(ctx, make_view<unsigned char>(scaled.data, scaled.cols,
		    scaled.rows, scaled.step), 0, refine_threshold, dets);

		/* HOG's box of the same face: the one overlapping most. */
		dlib::drectangle want(box->left - x0, box->top - y0,
		    box->left - x0 + box->width - 1,
		    box->top - y0 + box->height - 1);
		want = dlib::scale_rect(want, f);
		double best = refine_iou;
		const dlib::rect_detection *pick = nullptr;
		for (const dlib::rect_detection &d : dets) {
			dlib::drectangle r(d.rect);
			double in = r.intersect(want).area();
			double o = in / (r.area() + want.area() - in);
			if (o > best) {
				best = o;
				pick = &d;
			}
		}
		if (!pick)
			return 0;
		dlib::drectangle r = dlib::scale_rect(
		    dlib::drectangle(pick->rect), 1 / f);
		box->left = x0 + (int)std::lround(r.left());
		box->top = y0 + (int)std::lround(r.top());
		box->width = std::max(1, (int)std::lround(r.width()));
		box->height = std::max(1, (int)std::lround(r.height()));
		box->pose = (int)pick->weight_index;
		return 1;
	} catch (const std::exception &e) {
		ctx->err = std::string("face detection failed: ") + e.what();
		return -1;
	}
}

int
ft_face_detect_net_raw(ft_face_ctx *ctx, const uint8_t *pixels, int width,
    int height, size_t stride, int channels, double scale,
    double min_score, double (*out)[5], int max)
{
	if (!image_ok(ctx, pixels, width, height, stride, channels))
		return -1;
	if (!ctx->tiny || !(scale > 0) || max < 0 || (max > 0 && !out)) {
		ctx->err = !ctx->tiny ? "no face detector model loaded" :
		    "bad detection arguments";
		return -1;
	}
	try {
		std::vector<ft_tiny::box> found = ctx->tiny->find(pixels,
		    width, height, stride, channels, scale, min_score);
		for (size_t i = 0; i < found.size() && (int)i < max; i++) {
			out[i][0] = found[i].x;
			out[i][1] = found[i].y;
			out[i][2] = found[i].w;
			out[i][3] = found[i].h;
			out[i][4] = found[i].score;
		}
		return (int)found.size();
	} catch (const std::exception &e) {
		ctx->err = std::string("face detection failed: ") + e.what();
		return -1;
	}
}

int
ft_face_align(ft_face_ctx *ctx, const uint8_t *pixels, int width,
    int height, size_t stride, int channels, const ft_face_box *box,
    ft_face_shape *shape, uint8_t *chip)
{
	if (!image_ok(ctx, pixels, width, height, stride, channels))
		return -1;
	if (!ctx->have_shape) {
		ctx->err = "no shape model loaded";
		return -1;
	}
	if (!box || box->width <= 0 || box->height <= 0) {
		ctx->err = "bad face box";
		return -1;
	}
	try {
		if (channels == 1)
			align(ctx, make_view<unsigned char>(pixels, width,
			    height, stride), box, shape, chip);
		else
			align(ctx, make_view<dlib::rgb_pixel>(pixels, width,
			    height, stride), box, shape, chip);
		return 0;
	} catch (const std::exception &e) {
		ctx->err = std::string("face alignment failed: ") + e.what();
		return -1;
	}
}

int
ft_face_describe(ft_face_ctx *ctx, const uint8_t *chips, int n,
    float (*out)[FT_FACE_DIM])
{
	if (ctx->net.empty()) {
		ctx->err = "no descriptor model loaded";
		return -1;
	}
	if (n < 0 || (n > 0 && (!chips || !out))) {
		ctx->err = "bad descriptor arguments";
		return -1;
	}
	try {
		/* Contiguous parts, one per network; the first part runs on
		 * the calling thread. */
		int parts = std::min(n, (int)ctx->net.size());
		std::vector<std::thread> workers;
		std::vector<std::string> errors((size_t)parts);
		auto run = [&](int p) {
			int from = n * p / parts, to = n * (p + 1) / parts;
			try {
				describe_part(*ctx->net[(size_t)p], chips +
				    (size_t)from * FT_FACE_CHIP_BYTES,
				    to - from, out + from, ctx->mirror);
			} catch (const std::exception &e) {
				errors[(size_t)p] = e.what();
				if (errors[(size_t)p].empty())
					errors[(size_t)p] = "failed";
			}
		};
		workers.reserve((size_t)parts);
		for (int p = 1; p < parts; p++) {
			try {
				workers.emplace_back(run, p);
			} catch (const std::system_error &) {
				run(p);	/* no thread to be had: do it here */
			}
		}
		if (parts > 0)
			run(0);
		for (std::thread &t : workers)
			t.join();
		for (const std::string &e : errors)
			if (!e.empty())
				throw std::runtime_error(e);
		return 0;
	} catch (const std::exception &e) {
		ctx->err = std::string("face description failed: ") +
		    e.what();
		return -1;
	}
}

}
