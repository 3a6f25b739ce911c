/*
 * make-shape5 — train a small 5-point shape predictor for the tests, in
 * the point order of dlib's shape_predictor_5_face_landmarks.dat (outer
 * and inner corner of the image's right eye, then of its left eye, then
 * the bottom of the nose), so the 5-point path of lib/face can be tested
 * where that model is not at hand.  The points are the 68-point model's
 * on the given photos; a model this small is rough but places them.
 *
 *	make-shape5 SHAPE68 OUT PHOTO...
 *
 * Exit status 0 on success, 1 on failure, 2 on a usage error.
 */
#include <dlib/image_io.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>

#include <cstdio>
#include <exception>
#include <vector>

int
main(int argc, char **argv)
{
	if (argc < 4) {
		std::fprintf(stderr, "usage: make-shape5 SHAPE68 OUT "
		    "PHOTO...\n");
		return 2;
	}
	try {
		/* 68-point indices of the 5 points, in the 5-point order. */
		static const unsigned long pick[5] = {45, 42, 36, 39, 33};
		dlib::shape_predictor sp68;
		dlib::deserialize(argv[1]) >> sp68;
		dlib::frontal_face_detector det =
		    dlib::get_frontal_face_detector();
		dlib::array<dlib::array2d<unsigned char>> images;
		std::vector<std::vector<dlib::full_object_detection>> shapes;

		for (int i = 3; i < argc; i++) {
			dlib::array2d<unsigned char> img;
			dlib::load_image(img, argv[i]);
			std::vector<dlib::rectangle> faces = det(img);
			if (faces.empty())
				continue;
			dlib::full_object_detection s = sp68(img, faces[0]);
			std::vector<dlib::point> pts;
			for (unsigned long k : pick)
				pts.push_back(s.part(k));
			shapes.push_back({dlib::full_object_detection(
			    faces[0], pts)});
			images.push_back(std::move(img));
		}
		if (images.size() < 10)
			throw std::runtime_error("too few faces to train on");

		dlib::shape_predictor_trainer t;
		t.set_cascade_depth(6);
		t.set_tree_depth(3);
		t.set_num_trees_per_cascade_level(50);
		t.set_oversampling_amount(10);
		t.set_num_threads(1);
		t.be_quiet();
		dlib::shape_predictor sp5 = t.train(images, shapes);
		dlib::serialize(argv[2]) << sp5;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "make-shape5: %s\n", e.what());
		return 1;
	}
	return 0;
}
