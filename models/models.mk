# models/models.mk — `make models`: the model files lib/face loads.
#
# Included by the top Makefile; also works alone from the top of the
# repository (make -f models/models.mk models).  Every input is pinned and
# checked against models/SHA256SUMS before use; running it again does
# nothing.  Nothing here is tracked by git but this file, SHA256SUMS and
# npm/package*.json (models/.gitignore).
#
# The files, where they come from and their terms (ft-recognize --models
# lists them from $(FT_MODELS_LIST)):
#
#   $(FT_MODEL_DESCRIPTOR)
#	dlib's face recognition ResNet with the 8-bit quantised weights
#	that the npm package @vladmandic/face-api (MIT) ships as
#	model/face_recognition_model.bin, converted by
#	scripts/faceapi-convert.cc.  Its descriptors are not those of
#	dlib's original float model: the store records which model made
#	its samples (ft_face_model_id).
#   $(FT_MODEL_DETECTOR)
#	face-api's tiny face detector (MIT), a small convolutional network
#	of the YOLOv2 kind, from model/tiny_face_detector_model.bin with
#	the 8-bit quantised weights, converted by scripts/faceapi-convert.cc
#	into an OpenCV FileStorage file that lib/face_tiny.cc runs with
#	OpenCV's DNN module.
#   $(FT_MODEL_SHAPE)
#	dlib's 68-point shape predictor from Debian's libdlib-data, linked
#	(or, where the package ships it compressed, unpacked) here.  The
#	file is CC0 (Debian's copyright file) but the model was trained on
#	the iBUG 300-W data set, whose licence excludes commercial use;
#	dlib's public-domain 5-point predictor
#	(shape_predictor_5_face_landmarks.dat) works instead: name it with
#	FT_MODEL_SHAPE (facetrack.conf(5)).
#
# Variables the top Makefile (or config.mak, or the command line) may set:
#   MODELS_DIR		where the model files go
#   FT_MODEL_DESCRIPTOR	the converted descriptor network
#   FT_MODEL_DETECTOR	the converted face detector network
#   FT_MODEL_SHAPE	the 68-point shape predictor
#   FT_SHAPE_SOURCE	the packaged predictor (.dat or .dat.bz2)
#   MODELS_BUILD	where the converter is built

# Including this file must not change the including Makefile's default
# goal; alone, its default goal is models.
ft_models_goal := $(.DEFAULT_GOAL)
ft_models_included := $(filter-out $(lastword $(MAKEFILE_LIST)),\
	$(MAKEFILE_LIST))

MODELS_DIR ?= models
FT_MODEL_DESCRIPTOR ?= $(MODELS_DIR)/dlib_face_recognition_resnet_model_faceapi.dat
FT_MODEL_DETECTOR ?= $(MODELS_DIR)/tiny_face_detector_faceapi.yml
FT_MODEL_SHAPE ?= $(MODELS_DIR)/shape_predictor_68_face_landmarks.dat
FT_MODELS_LIST ?= $(MODELS_DIR)/models.sha256
FT_SHAPE_SOURCE ?= $(firstword $(wildcard \
	/usr/share/dlib/shape_predictor_68_face_landmarks.dat \
	/usr/share/dlib/shape_predictor_68_face_landmarks.dat.bz2))
MODELS_BUILD ?= models/.build

NPM ?= npm
PKG_CONFIG ?= pkg-config
SHA256SUM ?= sha256sum
CXXFLAGS ?= -O2 -g
# dlib's .pc file names the BLAS and LAPACK it was built with.
DLIB_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags dlib-1 2>/dev/null)
DLIB_LIBS ?= $(or $(shell $(PKG_CONFIG) --libs dlib-1 2>/dev/null),\
	-ldlib -lblas -llapack -lpthread)
JQ_CFLAGS ?=
JQ_LIBS ?= -ljq -lonig
OPENCV_CORE_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags opencv4 2>/dev/null)

# face-api's weights, from the npm registry at the version that
# models/npm/package-lock.json pins (with its integrity hash).
FACEAPI_DIR = models/npm/node_modules/@vladmandic/face-api/model
FACEAPI_FILES = $(FACEAPI_DIR)/face_recognition_model-weights_manifest.json \
	$(FACEAPI_DIR)/face_recognition_model.bin
FACEAPI_DETECTOR_FILES = \
	$(FACEAPI_DIR)/tiny_face_detector_model-weights_manifest.json \
	$(FACEAPI_DIR)/tiny_face_detector_model.bin
FACEAPI_CONVERT = $(MODELS_BUILD)/faceapi-convert

# $(call ft_sha256_check,FILE,NAME): FILE has the SHA-256 that
# models/SHA256SUMS pins for NAME; fails when NAME is not pinned.
ft_sha256_check = sed -n 's|  $(2)$$|  $(1)|p' models/SHA256SUMS | \
	$(SHA256SUM) --check --strict --quiet -

models: $(FT_MODEL_DESCRIPTOR) $(FT_MODEL_DETECTOR) $(MODELS_DIR)/.shape-ok \
	$(FT_MODELS_LIST)

# npm ci writes node_modules/.package-lock.json last; it stands for the
# whole install.  No package here has install scripts; none may run.
models/npm/node_modules/.package-lock.json: models/npm/package.json \
		models/npm/package-lock.json
	cd models/npm && $(NPM) ci --ignore-scripts --no-audit --no-fund
	touch $@

# The weights as npm delivered them, checked before anything reads them.
$(MODELS_DIR)/.faceapi-ok: models/npm/node_modules/.package-lock.json \
		models/SHA256SUMS
	@mkdir -p $(MODELS_DIR)
	$(call ft_sha256_check,$(FACEAPI_DIR)/face_recognition_model-weights_manifest.json,face_recognition_model-weights_manifest.json)
	$(call ft_sha256_check,$(FACEAPI_DIR)/face_recognition_model.bin,face_recognition_model.bin)
	$(call ft_sha256_check,$(FACEAPI_DIR)/tiny_face_detector_model-weights_manifest.json,tiny_face_detector_model-weights_manifest.json)
	$(call ft_sha256_check,$(FACEAPI_DIR)/tiny_face_detector_model.bin,tiny_face_detector_model.bin)
	touch $@

$(FACEAPI_CONVERT): scripts/faceapi-convert.cc lib/face_priv.h
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -Wall -Wextra $(CXXFLAGS) -Ilib $(DLIB_CFLAGS) \
		$(JQ_CFLAGS) $(OPENCV_CORE_CFLAGS) $(LDFLAGS) -o $@ \
		scripts/faceapi-convert.cc $(DLIB_LIBS) $(JQ_LIBS) \
		-lopencv_core

$(FT_MODEL_DESCRIPTOR): $(MODELS_DIR)/.faceapi-ok $(FACEAPI_CONVERT)
	$(FACEAPI_CONVERT) $(FACEAPI_FILES) $@

$(FT_MODEL_DETECTOR): $(MODELS_DIR)/.faceapi-ok $(FACEAPI_CONVERT)
	$(FACEAPI_CONVERT) --detector $(FACEAPI_DETECTOR_FILES) $@

# The packaged file is used in place: a symbolic link, or the unpacked
# copy of a .bz2.  A link takes its target's time, so a stamp records the
# check.
$(MODELS_DIR)/.shape-ok: $(FT_SHAPE_SOURCE) models/SHA256SUMS
	@test -n "$(FT_SHAPE_SOURCE)" || { echo >&2 \
		"models: no shape_predictor_68_face_landmarks.dat in /usr/share/dlib; install libdlib-data or set FT_SHAPE_SOURCE"; \
		exit 1; }
	@mkdir -p $(dir $(FT_MODEL_SHAPE))
	case "$(FT_SHAPE_SOURCE)" in \
	*.bz2) bzip2 -dc "$(FT_SHAPE_SOURCE)" > "$(FT_MODEL_SHAPE).tmp" && \
		mv "$(FT_MODEL_SHAPE).tmp" "$(FT_MODEL_SHAPE)";; \
	*) [ "$(abspath $(FT_SHAPE_SOURCE))" = "$(abspath $(FT_MODEL_SHAPE))" ] || \
		ln -sf "$(abspath $(FT_SHAPE_SOURCE))" "$(FT_MODEL_SHAPE)";; \
	esac
	$(call ft_sha256_check,$(FT_MODEL_SHAPE),shape_predictor_68_face_landmarks.dat)
	touch $@

# The SHA-256 of each file in use, in sha256sum's format, for the listing
# and for `sha256sum -c` later.  The converted file's hash depends on
# dlib's serialisation, so it is recorded here, not pinned.
$(FT_MODELS_LIST): $(FT_MODEL_DESCRIPTOR) $(FT_MODEL_DETECTOR) \
		$(MODELS_DIR)/.shape-ok
	$(SHA256SUM) $(FT_MODEL_DESCRIPTOR) $(FT_MODEL_DETECTOR) \
		$(FT_MODEL_SHAPE) > $@.tmp
	mv $@.tmp $@

.PHONY: models

ifneq ($(ft_models_included),)
.DEFAULT_GOAL := $(ft_models_goal)
endif
