/*
 * face_tiny.h — the convolutional face detector of lib/face (C++ only;
 * callers use face.h).  face-api's tiny face detector, a small network of
 * the YOLOv2 kind, loaded from the file make models converts and run by
 * OpenCV's DNN module.
 */
#ifndef FT_FACE_TINY_H
#define FT_FACE_TINY_H

#include "face.h"

#include <opencv2/core/types.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ft_tiny {

/* A box in the network's own geometry, in input pixels. */
struct box {
	double x, y, w, h;
	double score;
};

class detector {
public:
	/* Reads and checks the file; throws std::runtime_error with a
	 * message naming it. */
	explicit detector(const std::string &path);
	~detector();

	/*
	 * Faces in the image (1 or 3 channels of 8 bits), run at `scale`
	 * times its size (> 0) on an input padded to whole cells.  Boxes
	 * scoring above min_score, after non-maximum suppression, most
	 * confident first, in the image's pixels.
	 */
	std::vector<box> find(const uint8_t *pixels, int width, int height,
	    size_t stride, int channels, double scale, double min_score);
	/*
	 * As find, at scale and then at smaller scales, each half the
	 * last, while the input has two cells and the smallest face the
	 * network finds there is within 0.6 of the image's smaller side:
	 * faces from the smallest the network finds at `scale` up to
	 * most of the image.
	 */
	std::vector<box> find_all(const uint8_t *pixels, int width,
	    int height, size_t stride, int channels, double scale,
	    double min_score);

	/*
	 * Faces in each of the squares (x, y, side, side in the image's
	 * pixels; a square may reach past the image, whose pixels count as
	 * black), each scaled to side pixels of input, all in one pass:
	 * boxes scoring above min_score, after non-maximum suppression,
	 * most confident first, in the image's pixels, a list a square.
	 */
	std::vector<std::vector<box>> find_in(const uint8_t *pixels,
	    int width, int height, size_t stride, int channels,
	    const std::vector<cv::Rect> &squares, int side,
	    double min_score);

	const std::string &path() const { return path_; }

private:
	std::vector<box> run(const uint8_t *pixels, int width, int height,
	    size_t stride, int channels, double scale, double min_score);
	void decode(const float *o, int gw, int gh, double cw, double ch,
	    double fx, double fy, double min_score,
	    std::vector<box> &found) const;
	struct impl;
	std::unique_ptr<impl> p_;
	std::string path_;
};

/*
 * The box of HOG's geometry for a box of the network's: the network's
 * reach from the hairline to below the chin, dlib's HOG boxes, which the
 * shape predictor was trained on, from the eyebrows to the chin.
 */
void to_dlib(const box &b, ft_face_box *out);

}

#endif
