/*
 * face_priv.h — the face descriptor network, shared by lib/face.cc, which
 * runs it, and scripts/faceapi-convert.cc, which writes its weights.
 * C++ only; no C file includes it.
 *
 * The layer structure must stay exactly that of dlib's face recognition
 * ResNet (dlib_face_recognition_resnet_model_v1.dat): dlib serialises a
 * network layer by layer, so the original model file and the one converted
 * from face-api's weights both load into this type, and any change here
 * makes both unreadable.
 *
 * From the input up: a 7x7 stride 2 convolution with 32 filters, affine,
 * ReLU and 3x3 stride 2 max pooling; then residual units (two 3x3
 * convolutions, each followed by an affine layer, ReLU after the first and
 * after the sum) in four widths, 32 x3, 64 (halving) +3, 128 (halving) +2,
 * 256 (halving) +2, and a last halving 256; then the mean over the image
 * and 128 outputs without bias.  A halving unit strides its first
 * convolution by 2 and adds a 2x2 average pool of its input, zero-padded
 * in channels; dlib's add_prev does that padding.
 */
#ifndef FT_FACE_PRIV_H
#define FT_FACE_PRIV_H

#include <dlib/dnn.h>

namespace ft_facenet {

/* Two convolutions, each followed by the layer BN (affine at run time). */
template <long N, template <typename> class BN, int STRIDE, typename SUB>
using pair = BN<dlib::con<N, 3, 3, 1, 1,
	dlib::relu<BN<dlib::con<N, 3, 3, STRIDE, STRIDE, SUB>>>>>;

/* A unit that keeps the size: input + pair(input), then ReLU. */
template <long N, typename SUB>
using unit = dlib::relu<dlib::add_prev1<
	pair<N, dlib::affine, 1, dlib::tag1<SUB>>>>;

/* A unit that halves the size: avg_pool(input) + pair(input). */
template <long N, typename SUB>
using unit_down = dlib::relu<dlib::add_prev2<
	dlib::avg_pool<2, 2, 2, 2, dlib::skip1<dlib::tag2<
	pair<N, dlib::affine, 2, dlib::tag1<SUB>>>>>>>;

template <typename SUB>
using stage32 = unit<32, unit<32, unit<32, SUB>>>;
template <typename SUB>
using stage64 = unit<64, unit<64, unit<64, unit_down<64, SUB>>>>;
template <typename SUB>
using stage128 = unit<128, unit<128, unit_down<128, SUB>>>;
template <typename SUB>
using stage256 = unit<256, unit<256, unit_down<256, SUB>>>;
template <typename SUB>
using stage_out = unit_down<256, SUB>;

using net = dlib::loss_metric<dlib::fc_no_bias<128,
	dlib::avg_pool_everything<
	stage_out<stage256<stage128<stage64<stage32<
	dlib::max_pool<3, 3, 2, 2, dlib::relu<dlib::affine<
	dlib::con<32, 7, 7, 2, 2,
	dlib::input_rgb_image_sized<150>>>>>>>>>>>>>;

/* Side of the aligned face chip the network takes, in pixels. */
constexpr long chip_size = 150;

}

#endif
