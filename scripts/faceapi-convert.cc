/*
 * faceapi-convert — turn face-api's face recognition weights into the dlib
 * network file lib/face loads, or its tiny face detector's weights into
 * the file lib/face_tiny loads.
 *
 *	faceapi-convert MANIFEST BIN OUT
 *	faceapi-convert --detector MANIFEST BIN OUT
 *
 * MANIFEST is face_recognition_model-weights_manifest.json and BIN the
 * face_recognition_model.bin it describes, from the npm package
 * @vladmandic/face-api.  OUT receives the network serialised by dlib, the
 * same type as dlib's own dlib_face_recognition_resnet_model_v1.dat (see
 * lib/face_priv.h); it is written beside OUT and renamed, so an
 * interrupted run leaves no half file.  Exit status 0 on success, 1 on any
 * failure, 2 on a usage error.
 *
 * face-api runs the same ResNet as dlib, so the conversion is a copy of
 * 117 tensors in file order, which is the order of the layers from the
 * input up:
 *   - NAME/conv/filters (TF.js HWIO) and NAME/conv/bias become a con_
 *     layer's parameters (OIHW filters, then the biases).  Both libraries
 *     correlate without flipping the kernel.
 *   - NAME/scale/weights and NAME/scale/biases become the gamma and beta
 *     of the affine_ layer after that convolution.
 *   - fc, [256][128], is already laid out as dlib's fc_ wants it.
 * Most tensors are stored as uint8 with a scale and a minimum per tensor in
 * the manifest; some (the conv64 filters) are plain float32.  Values are
 * dequantised as TF.js does, q * scale + min in double, then rounded to
 * float, so the weights are bit for bit those face-api computes with.
 *
 * One deliberate change: dlib's input layer divides the mean-subtracted
 * pixels by 256, face-api divides by 255.  The first convolution's filters
 * are multiplied by 256/255 so the converted network reproduces face-api's
 * descriptors (which tests/face checks) rather than drifting from them by
 * about 0.002; the reference implementation is the one a user can run.
 *
 * With --detector, MANIFEST and BIN are tiny_face_detector_model's, and
 * OUT receives its 19 tensors in an OpenCV FileStorage file (YAML, the
 * values in base64), renamed conv0_filters, conv1_depthwise and so on,
 * with the filters turned from TF.js's HWIO to the OIHW that OpenCV's
 * convolutions take.  The values are dequantised as above and not
 * otherwise changed; lib/face_tiny.cc says how the network uses them.
 */
#include "face_priv.h"

extern "C" {
#include <jv.h>
}

#include <opencv2/core.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct weights {
	std::string name;
	std::vector<long> shape;
	std::vector<float> values;
};

[[noreturn]] void
fail(const std::string &msg)
{
	throw std::runtime_error(msg);
}

std::string
read_file(const char *path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in)
		fail(std::string("cannot read '") + path + "': " +
		    std::strerror(errno));
	std::string data((std::istreambuf_iterator<char>(in)),
	    std::istreambuf_iterator<char>());
	if (in.bad())
		fail(std::string("cannot read '") + path + "'");
	return data;
}

/* The string member key of obj, which is only borrowed. */
std::string
str_member(jv obj, const char *key)
{
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	std::string s;
	bool ok = jv_get_kind(v) == JV_KIND_STRING;

	if (ok)
		s = jv_string_value(v);
	jv_free(v);
	if (!ok)
		fail(std::string("manifest: '") + key + "' is not a string");
	return s;
}

double
num_member(jv obj, const char *key)
{
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	double d = 0;
	bool ok = jv_get_kind(v) == JV_KIND_NUMBER;

	if (ok)
		d = jv_number_value(v);
	jv_free(v);
	if (!ok)
		fail(std::string("manifest: '") + key + "' is not a number");
	return d;
}

/*
 * Every tensor the manifest lists, in order, with its values taken from
 * bin.  The manifest is an array of groups, each {paths, weights}; this
 * model has one group stored in one file.
 */
std::vector<weights>
load(const char *manifest_path, const std::string &bin)
{
	std::vector<weights> out;
	size_t off = 0;
	jv manifest = jv_load_file(manifest_path, 0);

	if (!jv_is_valid(manifest)) {
		jv msg = jv_invalid_get_msg(manifest);
		std::string m = jv_get_kind(msg) == JV_KIND_STRING ?
		    jv_string_value(msg) : "not JSON";
		jv_free(msg);
		fail(std::string("cannot read '") + manifest_path + "': " +
		    m);
	}
	/* jv_load_file wraps the file's values in an array. */
	manifest = jv_array_get(manifest, 0);
	try {
		if (jv_get_kind(manifest) != JV_KIND_ARRAY ||
		    jv_array_length(jv_copy(manifest)) != 1)
			fail("manifest: expected one weight group");
		jv group = jv_array_get(jv_copy(manifest), 0);
		jv list = jv_object_get(group, jv_string("weights"));
		int n = jv_get_kind(list) == JV_KIND_ARRAY ?
		    jv_array_length(jv_copy(list)) : -1;

		for (int i = 0; i < n; i++) {
			jv w = jv_array_get(jv_copy(list), i);
			weights t;
			size_t count = 1;

			try {
				t.name = str_member(w, "name");
				if (str_member(w, "dtype") != "float32")
					fail("manifest: " + t.name +
					    ": not float32");
				jv shape = jv_object_get(jv_copy(w),
				    jv_string("shape"));
				int dims = jv_get_kind(shape) == JV_KIND_ARRAY
				    ? jv_array_length(jv_copy(shape)) : 0;
				for (int d = 0; d < dims; d++) {
					jv x = jv_array_get(jv_copy(shape), d);
					t.shape.push_back(
					    (long)jv_number_value(x));
					count *= (size_t)t.shape.back();
					jv_free(x);
				}
				jv_free(shape);
				if (dims == 0)
					fail("manifest: " + t.name +
					    ": no shape");
				t.values.resize(count);

				jv q = jv_object_get(jv_copy(w),
				    jv_string("quantization"));
				std::string qtype;
				double scale = 0, min = 0;
				if (jv_get_kind(q) == JV_KIND_OBJECT) {
					qtype = str_member(q, "dtype");
					scale = num_member(q, "scale");
					min = num_member(q, "min");
				}
				jv_free(q);

				size_t width = qtype.empty() ? 4 :
				    qtype == "uint8" ? 1 :
				    qtype == "uint16" ? 2 : 0;
				if (width == 0)
					fail("manifest: " + t.name +
					    ": quantisation " + qtype +
					    " not supported");
				if (bin.size() - off < count * width)
					fail("weights file too short at " +
					    t.name);
				const unsigned char *p =
				    (const unsigned char *)bin.data() + off;
				for (size_t k = 0; k < count; k++) {
					if (width == 4) {
						std::memcpy(&t.values[k],
						    p + 4 * k, 4);
					} else {
						/* little endian, as TF.js */
						unsigned q16 = width == 1 ?
						    p[k] : p[2 * k] |
						    p[2 * k + 1] << 8;
						t.values[k] = (float)
						    (q16 * scale + min);
					}
				}
				off += count * width;
			} catch (...) {
				jv_free(w);
				throw;
			}
			jv_free(w);
			out.push_back(std::move(t));
		}
		jv_free(list);
		if (n < 0)
			fail("manifest: no weights list");
	} catch (...) {
		jv_free(manifest);
		throw;
	}
	jv_free(manifest);
	if (off != bin.size())
		fail("weights file has " + std::to_string(bin.size() - off) +
		    " bytes the manifest does not describe");
	return out;
}

/*
 * The layers with parameters, input first.  dlib's visitors go from the
 * loss layer down, so the list is reversed afterwards.
 */
struct layer_ref {
	enum { CON, AFFINE, FC } kind;
	dlib::tensor *params;	/* con_, fc_ */
	dlib::affine_ *affine;
	long filters, in, rows, cols;	/* con_ */
};

struct collect {
	std::vector<layer_ref> *layers;

	template <long N, long R, long C, int SY, int SX, int PY, int PX>
	void operator()(dlib::con_<N, R, C, SY, SX, PY, PX> &l) const
	{
		dlib::tensor &p = l.get_layer_params();
		long in = (long)(p.size() / (size_t)N - 1) / (R * C);
		layers->push_back({layer_ref::CON, &p, nullptr, N, in, R, C});
	}
	void operator()(dlib::affine_ &l) const
	{
		layers->push_back({layer_ref::AFFINE, nullptr, &l, 0, 0, 0,
		    0});
	}
	template <unsigned long N, dlib::fc_bias_mode B>
	void operator()(dlib::fc_<N, B> &l) const
	{
		layers->push_back({layer_ref::FC, &l.get_layer_params(),
		    nullptr, 0, 0, 0, 0});
	}
	template <typename T>
	void operator()(T &) const
	{
	}
};

bool
ends_with(const std::string &s, const char *suffix)
{
	size_t n = std::strlen(suffix);
	return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

const weights &
take(const std::vector<weights> &w, size_t &i, const char *suffix,
    size_t count)
{
	if (i >= w.size())
		fail("the network has more layers than the weights");
	const weights &t = w[i++];
	if (!ends_with(t.name, suffix) || t.values.size() != count)
		fail("tensor " + std::to_string(i) + " (" + t.name +
		    ") does not fit the layer: expected *" + suffix + " of " +
		    std::to_string(count) + " values");
	return t;
}

void
convert(const std::vector<weights> &w, ft_facenet::net &net)
{
	/* dlib's affine_ starts in FC_MODE (one gamma per value); after a
	 * convolution it must scale per channel. */
	dlib::visit_computational_layers(net, [](dlib::affine_ &l) {
		l = dlib::affine_(dlib::CONV_MODE);
	});
	/* Parameters exist only once a forward pass has sized them. */
	dlib::matrix<dlib::rgb_pixel> blank(ft_facenet::chip_size,
	    ft_facenet::chip_size);
	blank = dlib::rgb_pixel(0, 0, 0);
	net(blank);

	std::vector<layer_ref> layers;
	dlib::visit_computational_layers(net, collect{&layers});
	std::reverse(layers.begin(), layers.end());

	size_t i = 0;
	bool first = true;
	for (layer_ref &l : layers) {
		switch (l.kind) {
		case layer_ref::CON: {
			size_t n = (size_t)(l.filters * l.in * l.rows *
			    l.cols);
			const weights &f = take(w, i, "/conv/filters", n);
			const weights &b = take(w, i, "/conv/bias",
			    (size_t)l.filters);
			if (f.shape.size() != 4 || f.shape[0] != l.rows ||
			    f.shape[1] != l.cols || f.shape[2] != l.in ||
			    f.shape[3] != l.filters)
				fail(f.name + ": shape does not fit");
			float *p = l.params->host();
			float gain = first ? 256.0f / 255.0f : 1.0f;
			for (long o = 0; o < l.filters; o++)
			for (long c = 0; c < l.in; c++)
			for (long y = 0; y < l.rows; y++)
			for (long x = 0; x < l.cols; x++)
				*p++ = gain * f.values[(size_t)(((y * l.cols +
				    x) * l.in + c) * l.filters + o)];
			std::copy(b.values.begin(), b.values.end(), p);
			first = false;
			break;
		}
		case layer_ref::AFFINE: {
			auto g = l.affine->get_gamma();
			auto b = l.affine->get_beta();
			const weights &gw = take(w, i, "/scale/weights",
			    g.size());
			const weights &bw = take(w, i, "/scale/biases",
			    b.size());
			std::copy(gw.values.begin(), gw.values.end(),
			    g.host());
			std::copy(bw.values.begin(), bw.values.end(),
			    b.host());
			break;
		}
		case layer_ref::FC: {
			const weights &f = take(w, i, "fc",
			    l.params->size());
			std::copy(f.values.begin(), f.values.end(),
			    l.params->host());
			break;
		}
		}
	}
	if (i != w.size())
		fail("the weights have " + std::to_string(w.size() - i) +
		    " tensors the network does not use");
}


/*
 * A TF.js filter, HWIO (or HW, channel, multiplier for a depthwise one),
 * as an OIHW matrix: out x in x rows x cols.  A depthwise filter becomes
 * channels x 1 x rows x cols.
 */
cv::Mat
oihw(const weights &t, bool depthwise)
{
	if (t.shape.size() != 4)
		fail(t.name + ": not a 4-dimensional filter");
	int rows = (int)t.shape[0], cols = (int)t.shape[1];
	int in = (int)t.shape[2], out = (int)t.shape[3];
	if (depthwise) {
		if (out != 1)
			fail(t.name + ": depth multiplier is not 1");
		out = in;
		in = 1;
	}
	int sz[4] = {out, in, rows, cols};
	cv::Mat m(4, sz, CV_32F);
	float *p = m.ptr<float>();
	for (int o = 0; o < out; o++)
	for (int c = 0; c < in; c++)
	for (int y = 0; y < rows; y++)
	for (int x = 0; x < cols; x++)
		*p++ = depthwise ?
		    t.values[(size_t)((y * cols + x) * out + o)] :
		    t.values[(size_t)(((y * cols + x) * in + c) * out + o)];
	return m;
}

void
convert_detector(const std::vector<weights> &w, const char *out)
{
	std::string tmp = std::string(out) + ".tmp.yml";
	{
		cv::FileStorage fs(tmp, cv::FileStorage::WRITE |
		    cv::FileStorage::BASE64);
		if (!fs.isOpened())
			fail(std::string("cannot write '") + tmp + "'");
		fs << "model" << "faceapi-tiny-face-detector";
		for (const weights &t : w) {
			std::string name = t.name;
			std::string key = name.substr(0, name.find('/'));
			std::string part = name.substr(name.find('/') + 1);
			cv::Mat m;
			if (part == "filters" || part == "pointwise_filter")
				m = oihw(t, false);
			else if (part == "depthwise_filter")
				m = oihw(t, true);
			else if (part == "bias")
				m = cv::Mat(1, (int)t.values.size(), CV_32F,
				    (void *)t.values.data()).clone();
			else
				fail("unexpected tensor " + name);
			if (part == "depthwise_filter")
				part = "depthwise";
			else if (part == "pointwise_filter")
				part = "pointwise";
			fs << key + "_" + part << m;
		}
		fs.release();
	}
	if (std::rename(tmp.c_str(), out) != 0) {
		std::remove(tmp.c_str());
		fail(std::string("cannot write '") + out + "': " +
		    std::strerror(errno));
	}
}

}

int
main(int argc, char **argv)
{
	bool detector = argc == 5 && std::strcmp(argv[1], "--detector") == 0;

	if (argc != 4 && !detector) {
		std::fprintf(stderr, "usage: faceapi-convert [--detector] "
		    "MANIFEST BIN OUT\n");
		return 2;
	}
	argv += detector;
	try {
		std::string bin = read_file(argv[2]);
		std::vector<weights> w = load(argv[1], bin);
		if (detector) {
			convert_detector(w, argv[3]);
			return 0;
		}
		ft_facenet::net net;
		convert(w, net);

		/* A gross mistake (a transposed tensor, a missing scale)
		 * shows as a descriptor far from unit length; tests/face
		 * checks the values against face-api itself. */
		dlib::matrix<dlib::rgb_pixel> grey(ft_facenet::chip_size,
		    ft_facenet::chip_size);
		grey = dlib::rgb_pixel(128, 128, 128);
		dlib::matrix<float, 0, 1> d = net(grey);
		float len = dlib::length(d);
		if (!std::isfinite(len) || len < 0.2f || len > 5.0f)
			fail("the converted network gives a descriptor of "
			    "length " + std::to_string(len));

		net.clean();
		std::string tmp = std::string(argv[3]) + ".tmp";
		dlib::serialize(tmp) << net;
		if (std::rename(tmp.c_str(), argv[3]) != 0) {
			std::remove(tmp.c_str());
			fail(std::string("cannot write '") + argv[3] + "': " +
			    std::strerror(errno));
		}
	} catch (const std::exception &e) {
		std::fprintf(stderr, "faceapi-convert: %s\n", e.what());
		return 1;
	}
	return 0;
}
