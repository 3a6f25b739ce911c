/*
 * face_tiny.cc — face-api's tiny face detector run by OpenCV's DNN module
 * (face_tiny.h).
 *
 * The network, as face-api's TinyYolov2Base.runMobilenet builds it for
 * the tiny face detector, on pixels less face-api's mean colour, over 255:
 *
 *	conv0	3x3 convolution, 3 -> 16, no padding, bias, leaky ReLU 0.1
 *	pool	2x2 max, stride 2, TensorFlow's "same" padding
 *	conv1-5	depthwise 3x3 (padding 1) and pointwise 1x1 convolutions,
 *		16 -> 32 -> 64 -> 128 -> 256 -> 512, bias, leaky ReLU,
 *		each but the last followed by the stride-2 pool
 *	pool	2x2 max, stride 1, "same" padding
 *	conv8	1x1 convolution, 512 -> 25, bias
 *
 * The output has a cell for each 32x32 pixels of the input and, in each,
 * five anchor boxes of 5 numbers: x and y of the centre within the cell
 * (through a sigmoid), width and height (exponent times the anchor, in
 * cells) and the score (through a sigmoid).  Boxes overlapping a better
 * one by an IoU of more than 0.4 are dropped, as face-api does.
 *
 * The network is fully convolutional, so the input need not be square:
 * it is the image scaled and padded with black on the right and at the
 * bottom to whole cells.  On a square input of face-api's size the boxes
 * and scores are face-api's own (tests/face checks them against it).
 */
#include "face_tiny.h"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ft_tiny {

namespace {

const int CELL = 32;		/* input pixels a cell */
const int ANCHORS = 5;
const double anchor_w[ANCHORS] = {
	1.603231, 6.041143, 2.882459, 4.266906, 9.041765 };
const double anchor_h[ANCHORS] = {
	2.094468, 7.080126, 3.518061, 5.178857, 10.66308 };
const double IOU_MAX = 0.4;
const double INSIDE_MAX = 0.7;
/* face-api's mean colour, R, G, B */
const double MEAN[3] = { 117.001, 114.697, 97.404 };
/* The input's largest side, in cells: bounds the work on a huge image. */
const int MAX_CELLS = 64;
/*
 * The network finds faces some 40 to 110 pixels wide in its input (on
 * 729 portraits of ../shared/data, faces of about 127 pixels: 4 missed at
 * full size, none at 0.6 to 0.45 of it, 1 at 0.35, 12 at 0.3, most at
 * 0.25).  Each step of a pyramid covers the next range of sizes.
 */
const double PYRAMID_STEP = 0.5;
/* The smallest face the network finds, in its input's pixels, and the
 * largest part of an image's smaller side a face is looked for at. */
const double SMALLEST = 40, LARGEST = 0.6;

const int widths[6] = { 16, 32, 64, 128, 256, 512 };

[[noreturn]] void
fail(const std::string &path, const std::string &why)
{
	throw std::runtime_error("cannot read the detector model '" + path +
	    "': " + why);
}

cv::Mat
tensor(const cv::FileStorage &fs, const std::string &path,
    const std::string &key, std::vector<int> shape)
{
	cv::Mat m;
	fs[key] >> m;
	if (m.empty())
		fail(path, "no " + key);
	if (m.type() != CV_32F)
		fail(path, key + " is not of floats");
	std::vector<int> have;
	if (shape.size() == 1)
		have = { (int)m.total() };
	else
		for (int i = 0; i < m.dims; i++)
			have.push_back(m.size[i]);
	if (have != shape)
		fail(path, key + " has the wrong shape");
	if (!cv::checkRange(m))
		fail(path, key + " holds a value that is not finite");
	return m;
}

double
sigmoid(double x)
{
	return 1 / (1 + std::exp(-x));
}

double
overlap(const box &a, const box &b)
{
	double x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
	double x1 = std::min(a.x + a.w, b.x + b.w);
	double y1 = std::min(a.y + a.h, b.y + b.h);
	return std::max(0.0, x1 - x0) * std::max(0.0, y1 - y0);
}

double
iou(const box &a, const box &b)
{
	double in = overlap(a, b);
	double un = a.w * a.h + b.w * b.h - in;
	return un > 0 ? in / un : 0;
}

/* How much of the smaller box lies in the larger. */
double
inside(const box &a, const box &b)
{
	double small = std::min(a.w * a.h, b.w * b.h);
	return small > 0 ? overlap(a, b) / small : 0;
}

}

/*
 * OpenCV's DNN module sets a network up again, at several times the cost
 * of a pass, whenever its input changes shape, as a face's region does
 * from frame to frame: a network is kept for each of the last few input
 * shapes, all sharing the weights.
 */
const int SHAPES_KEPT = 12;

struct detector::impl {
	struct shaped {
		int w, h, n;
		cv::dnn::Net net;
		unsigned long used;
	};
	/* conv0 filters and bias, then each separable layer's depthwise,
	 * pointwise and bias, then conv8's filters and bias */
	std::vector<cv::Mat> w;
	std::vector<shaped> nets;
	unsigned long clock = 0;
	cv::Mat canvas, blob;
	std::vector<cv::Mat> canvases;

	cv::dnn::Net build() const;
	cv::dnn::Net &for_shape(int width, int height, int n);
};

cv::dnn::Net
detector::impl::build() const
{
	cv::dnn::Net net;
	auto add = [&net](const std::string &name, const std::string &type,
	    cv::dnn::LayerParams &lp) {
		lp.name = name;
		lp.type = type;
		net.addLayerToPrev(name, type, lp);
	};
	auto leaky = [&add](const std::string &name) {
		cv::dnn::LayerParams lp;
		lp.set("negative_slope", 0.1f);
		add(name + "/leaky", "ReLU", lp);
	};
	auto pool = [&add](const std::string &name, int stride) {
		cv::dnn::LayerParams lp;
		lp.set("pool", "max");
		lp.set("kernel_size", 2);
		lp.set("stride", stride);
		lp.set("pad_mode", "SAME");
		add(name, "Pooling", lp);
	};
	auto conv = [&add](const std::string &name, const cv::Mat &f,
	    const cv::Mat &b, int pad, int group) {
		cv::dnn::LayerParams lp;
		lp.set("kernel_size", f.size[2]);
		lp.set("num_output", f.size[0]);
		lp.set("pad", pad);
		lp.set("stride", 1);
		lp.set("group", group);
		lp.set("bias_term", !b.empty());
		lp.blobs.push_back(f);
		if (!b.empty())
			lp.blobs.push_back(b.reshape(1, 1));
		add(name, "Convolution", lp);
	};

	size_t k = 0;
	conv("conv0", w[k], w[k + 1], 0, 1);
	k += 2;
	leaky("conv0");
	pool("pool0", 2);
	for (int i = 1; i <= 5; i++, k += 3) {
		std::string name = "conv" + std::to_string(i);
		conv(name + "/depthwise", w[k], cv::Mat(), 1, widths[i - 1]);
		conv(name + "/pointwise", w[k + 1], w[k + 2], 0, 1);
		leaky(name);
		pool("pool" + std::to_string(i), i < 5 ? 2 : 1);
	}
	conv("conv8", w[k], w[k + 1], 0, 1);
	net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
	net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
	return net;
}

cv::dnn::Net &
detector::impl::for_shape(int width, int height, int n)
{
	shaped *oldest = nullptr;

	clock++;
	for (shaped &s : nets) {
		if (s.w == width && s.h == height && s.n == n) {
			s.used = clock;
			return s.net;
		}
		if (!oldest || s.used < oldest->used)
			oldest = &s;
	}
	if (nets.size() < (size_t)SHAPES_KEPT) {
		nets.push_back({ width, height, n, build(), clock });
		return nets.back().net;
	}
	*oldest = { width, height, n, build(), clock };
	return oldest->net;
}

detector::detector(const std::string &path) : p_(new impl), path_(path)
{
	cv::FileStorage fs;
	try {
		if (!fs.open(path, cv::FileStorage::READ))
			fail(path, "cannot open it");
	} catch (const cv::Exception &) {
		fail(path, "not an OpenCV FileStorage file");
	}
	std::string kind;
	fs["model"] >> kind;
	if (kind != "faceapi-tiny-face-detector")
		fail(path, "not a tiny face detector model");

	std::vector<cv::Mat> &w = p_->w;
	try {
		w.push_back(tensor(fs, path, "conv0_filters", { 16, 3, 3, 3 }));
		w.push_back(tensor(fs, path, "conv0_bias", { 16 }));
		for (int i = 1; i <= 5; i++) {
			std::string k = "conv" + std::to_string(i);
			int in = widths[i - 1], out = widths[i];
			w.push_back(tensor(fs, path, k + "_depthwise",
			    { in, 1, 3, 3 }));
			w.push_back(tensor(fs, path, k + "_pointwise",
			    { out, in, 1, 1 }));
			w.push_back(tensor(fs, path, k + "_bias", { out }));
		}
		w.push_back(tensor(fs, path, "conv8_filters",
		    { 25, 512, 1, 1 }));
		w.push_back(tensor(fs, path, "conv8_bias", { 25 }));
		/* A network that cannot be built fails here, not in the
		 * first detection. */
		p_->build();
	} catch (const cv::Exception &e) {
		fail(path, e.err);
	}
}

detector::~detector() = default;

namespace {

/* src (grey or RGB) scaled to fill roi, a part of an RGB input. */
void
paste(const cv::Mat &src, cv::Mat roi)
{
	cv::Mat scaled;
	if (src.size() == roi.size())
		scaled = src;
	else
		cv::resize(src, scaled, roi.size(), 0, 0,
		    roi.cols < src.cols ? cv::INTER_AREA : cv::INTER_LINEAR);
	if (scaled.channels() == 1)
		cv::cvtColor(scaled, roi, cv::COLOR_GRAY2RGB);
	else
		scaled.copyTo(roi);
}

/*
 * Boxes most confident first, without those overlapping a better one.
 * Across the scales of a pyramid, one face may also give a small box
 * within its large one (the mouth and nose, or the whole head): those
 * are dropped when most of the smaller lies in the better.
 */
std::vector<box>
suppress(std::vector<box> found, bool scales)
{
	std::stable_sort(found.begin(), found.end(),
	    [](const box &a, const box &b) { return a.score > b.score; });
	std::vector<box> kept;
	for (const box &b : found) {
		bool dup = false;
		for (const box &k : kept)
			if (iou(b, k) > IOU_MAX ||
			    (scales && inside(b, k) > INSIDE_MAX)) {
				dup = true;
				break;
			}
		if (!dup)
			kept.push_back(b);
	}
	return kept;
}

}

std::vector<box>
detector::find_all(const uint8_t *pixels, int width, int height,
    size_t stride, int channels, double scale, double min_score)
{
	std::vector<box> all;

	for (;;) {
		std::vector<box> b = run(pixels, width, height, stride,
		    channels, scale, min_score);
		all.insert(all.end(), b.begin(), b.end());
		scale *= PYRAMID_STEP;
		/* Done when the input would be smaller than two cells, or
		 * the smallest face of the next step larger than most of
		 * the image: around a face, one step is enough. */
		if (std::max(width, height) * scale < 2 * CELL ||
		    SMALLEST / scale >= LARGEST * std::min(width, height))
			break;
	}
	return suppress(std::move(all), true);
}

std::vector<box>
detector::find(const uint8_t *pixels, int width, int height, size_t stride,
    int channels, double scale, double min_score)
{
	return suppress(run(pixels, width, height, stride, channels, scale,
	    min_score), false);
}

std::vector<box>
detector::run(const uint8_t *pixels, int width, int height, size_t stride,
    int channels, double scale, double min_score)
{
	impl &p = *p_;
	std::vector<box> found;

	/* The scaled image, at most MAX_CELLS cells on its longer side. */
	double big = std::max(width, height) * scale;
	if (big > MAX_CELLS * CELL)
		scale *= MAX_CELLS * CELL / big;
	int sw = std::max(1, (int)std::lround(width * scale));
	int sh = std::max(1, (int)std::lround(height * scale));
	int iw = std::max(2, (sw + CELL - 1) / CELL) * CELL;
	int ih = std::max(2, (sh + CELL - 1) / CELL) * CELL;
	double fx = (double)sw / width, fy = (double)sh / height;

	cv::Mat src(height, width, channels == 1 ? CV_8UC1 : CV_8UC3,
	    const_cast<uint8_t *>(pixels), stride);
	p.canvas.create(ih, iw, CV_8UC3);
	p.canvas.setTo(cv::Scalar::all(0));
	paste(src, p.canvas(cv::Rect(0, 0, sw, sh)));
	cv::dnn::blobFromImage(p.canvas, p.blob, 1 / 255.0, cv::Size(),
	    cv::Scalar(MEAN[0], MEAN[1], MEAN[2]), false, false, CV_32F);
	cv::dnn::Net &net = p.for_shape(iw, ih, 1);
	net.setInput(p.blob);
	cv::Mat out = net.forward();
	decode(out.ptr<float>(), out.size[3], out.size[2],
	    (double)iw / out.size[3], (double)ih / out.size[2], fx, fy,
	    min_score, found);
	return found;
}

/*
 * The boxes of one image's output o (gw by gh cells of cw by ch input
 * pixels) scoring above min_score, in the pixels of an image scaled by
 * fx and fy to the input.
 */
void
detector::decode(const float *o, int gw, int gh, double cw, double ch,
    double fx, double fy, double min_score, std::vector<box> &found) const
{
	size_t plane = (size_t)gh * gw;
	for (int a = 0; a < ANCHORS; a++)
	for (int row = 0; row < gh; row++)
	for (int col = 0; col < gw; col++) {
		auto at = [&](int k) {
			return (double)o[(size_t)(a * 5 + k) * plane +
			    (size_t)row * gw + col];
		};
		double score = sigmoid(at(4));
		if (score <= min_score)
			continue;
		double w = std::exp(at(2)) * anchor_w[a] * cw;
		double h = std::exp(at(3)) * anchor_h[a] * ch;
		double cx = (col + sigmoid(at(0))) * cw;
		double cy = (row + sigmoid(at(1))) * ch;
		found.push_back({ (cx - w / 2) / fx, (cy - h / 2) / fy,
		    w / fx, h / fy, score });
	}
}

std::vector<std::vector<box>>
detector::find_in(const uint8_t *pixels, int width, int height,
    size_t stride, int channels, const std::vector<cv::Rect> &squares,
    int side, double min_score)
{
	impl &p = *p_;
	std::vector<std::vector<box>> found(squares.size());
	if (squares.empty())
		return found;

	cv::Mat src(height, width, channels == 1 ? CV_8UC1 : CV_8UC3,
	    const_cast<uint8_t *>(pixels), stride);
	cv::Rect all(0, 0, width, height);
	p.canvases.resize(squares.size());
	for (size_t i = 0; i < squares.size(); i++) {
		const cv::Rect &sq = squares[i];
		cv::Mat &c = p.canvases[i];
		c.create(side, side, CV_8UC3);
		c.setTo(cv::Scalar::all(0));
		cv::Rect in = sq & all;
		if (in.empty() || sq.width <= 0)
			continue;
		/* The part within the image, scaled, where it lies in the
		 * square. */
		double f = (double)side / sq.width;
		int x0 = (int)std::lround((in.x - sq.x) * f);
		int y0 = (int)std::lround((in.y - sq.y) * f);
		int w = std::min(side - x0, std::max(1,
		    (int)std::lround(in.width * f)));
		int h = std::min(side - y0, std::max(1,
		    (int)std::lround(in.height * f)));
		if (w <= 0 || h <= 0)
			continue;
		paste(src(in), c(cv::Rect(x0, y0, w, h)));
	}
	cv::dnn::blobFromImages(p.canvases, p.blob, 1 / 255.0, cv::Size(),
	    cv::Scalar(MEAN[0], MEAN[1], MEAN[2]), false, false, CV_32F);
	cv::dnn::Net &net = p.for_shape(side, side, (int)squares.size());
	net.setInput(p.blob);
	cv::Mat out = net.forward();

	int gh = out.size[2], gw = out.size[3];
	size_t item = (size_t)out.size[1] * gh * gw;
	for (size_t i = 0; i < squares.size(); i++) {
		double f = (double)side / squares[i].width;
		std::vector<box> b;
		decode(out.ptr<float>() + i * item, gw, gh, (double)side / gw,
		    (double)side / gh, f, f, min_score, b);
		for (box &x : b) {
			x.x += squares[i].x;
			x.y += squares[i].y;
		}
		found[i] = suppress(std::move(b), false);
	}
	return found;
}

/*
 * The mapping is linear in the box: HOG's centre is DY of the height
 * above the network's, its side SIDE of the mean of the network's width
 * and height.  Measured where both found the same face: on 1,518 faces of
 * half of ../shared/data's people, DY -0.092 (sd 0.046) and SIDE 0.830
 * (sd 0.103); on the other half's 1,509, -0.090 and 0.829; on the 19 of
 * face-api's demo photos, -0.058 and 0.853.
 */
namespace {
const double DY = -0.09, SIDE = 0.83;
}

void
to_dlib(const box &b, ft_face_box *out)
{
	double side = SIDE * (b.w + b.h) / 2;
	double cx = b.x + b.w / 2, cy = b.y + b.h / 2 + DY * b.h;

	out->left = (int)std::lround(cx - side / 2);
	out->top = (int)std::lround(cy - side / 2);
	out->width = out->height = std::max(1, (int)std::lround(side));
	out->confidence = b.score;
	out->pose = -1;
}

}
