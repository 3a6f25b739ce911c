# FaceTrack — one GNU Makefile for the library, the programs and the tests.
# Anything here may be overridden on the command line or in config.mak.
#
#   make		the library, the programs and the tools, into $(B)/
#   make models	the face models, from npm and Debian's libdlib-data
#   make web		the dashboard's npm packages (Chart.js)
#   make check		builds all of these and the tests' helpers, runs tests
#   make bench		builds what the benchmarks need, prints figures
#   make fuzz		runs the fuzzing targets of tests/fuzz a while each
#   make soak		runs the whole system a while and checks it held
#   make install	the programs, man pages, dashboard and models
#   make deb		the Debian package, into $(B)/
#   make deb-check	installs that package here, tests it, purges it
#
# make downloads from npm only when asked for models or web (check, bench
# and install ask), and never installs system packages: scripts/install-deps
# does, and make check and make bench stop early when one is missing.

VERSION = 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
WEBDIR ?= $(PREFIX)/share/facetrack/web
MODELSDIR ?= $(PREFIX)/share/facetrack/models
DESTDIR ?=
# The store a program opens when no setting names one (FT_DB; lib/config).
# A checkout's programs keep it in the current directory; a package for a
# server sets a fixed place (make deb: /var/lib/facetrack).
DEFAULT_DB ?= sqlite:./facetrack.db
# When set, make install links the 68-point shape predictor to this file
# (Debian's libdlib-data) instead of copying it, for a package that
# depends on the package that ships it.
SHAPE_LINK ?=

CC ?= cc
CXX ?= c++
AR ?= ar
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
CXXFLAGS ?= -O2 -g
LDFLAGS ?=

# Libraries that pkg-config knows.
SQLITE_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags sqlite3)
SQLITE_LIBS ?= $(shell $(PKG_CONFIG) --libs sqlite3)
MYSQL_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libmariadb)
MYSQL_LIBS ?= $(shell $(PKG_CONFIG) --libs libmariadb)
UUID_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags uuid)
UUID_LIBS ?= $(shell $(PKG_CONFIG) --libs uuid)
# Flags pkg-config cannot give on every system.
JQ_CFLAGS ?=
JQ_LIBS ?= -ljq -lonig
CSV_CFLAGS ?=
CSV_LIBS ?= -lcsv
CURL_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libcurl)
CURL_LIBS ?= $(shell $(PKG_CONFIG) --libs libcurl)
CAIRO_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags cairo 2>/dev/null)
CAIRO_LIBS ?= $(shell $(PKG_CONFIG) --libs cairo 2>/dev/null)
MHD_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS ?= $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null)
READLINE_CFLAGS ?=
READLINE_LIBS ?= -lreadline
# Capture and JPEG (lib/frame.cc): only the OpenCV modules it uses.
OPENCV_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags opencv4 2>/dev/null)
OPENCV_LIBS ?= -lopencv_videoio -lopencv_imgcodecs -lopencv_imgproc \
	-lopencv_core
# lib/face's convolutional detector (lib/face_tiny.cc) runs on OpenCV's
# DNN module: what links lib/face links these.
FACE_CV_LIBS ?= -lopencv_dnn $(OPENCV_LIBS)
# Debian's FAISS is a static C++ library that needs OpenMP and BLAS.
FAISS_CFLAGS ?=
FAISS_LIBS ?= -lfaiss -fopenmp -lblas -llapack

SANITIZE ?=

-include config.mak

override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
	-Ilib -DFT_VERSION='"$(VERSION)"'
override CXXFLAGS += -std=c++17 -Wall -Wextra -Ilib
ifneq ($(SANITIZE),)
override CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
override CXXFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=$(SANITIZE)
endif

B = build
DEPCFLAGS = $(SQLITE_CFLAGS) $(MYSQL_CFLAGS) $(UUID_CFLAGS) $(JQ_CFLAGS) \
	$(CSV_CFLAGS) $(CURL_CFLAGS) $(CAIRO_CFLAGS) $(MHD_CFLAGS) \
	$(READLINE_CFLAGS)
CXXDEPFLAGS = $(OPENCV_CFLAGS) $(FAISS_CFLAGS)

# Every module of lib/ goes into the one static library; a program pulls
# in only the objects it calls, so ft-query links no face, video or index
# code and starts in milliseconds.  C++ shims are lib/*.cc.
LIB_SRCS = $(filter-out lib/migrations.c,$(wildcard lib/*.c))
LIB_OBJS = $(patsubst lib/%.c,$(B)/lib/%.o,$(LIB_SRCS)) \
	$(patsubst lib/%.cc,$(B)/lib/%.o,$(wildcard lib/*.cc)) \
	$(B)/lib/migrations.o
LIB = $(B)/libfacetrack.a

# What every program links; per-program additions below.  The libraries
# of one module go only into the programs that use it: those of the store
# (lib/store and its back ends) into those that open one, libcsv
# (lib/csvio) into those that read or write CSV.
CORE_LIBS = $(JQ_LIBS) -lm
STORE_LIBS = $(SQLITE_LIBS) $(MYSQL_LIBS) $(UUID_LIBS)

# Per-program libraries (LIBS_ft-NAME) and programs that link C++ shims
# (CXX_PROGRAMS, linked with $(CXX)).
CXX_PROGRAMS =
LIBS_ft-query = $(STORE_LIBS) $(CSV_LIBS)
LIBS_ft-chat = $(STORE_LIBS) $(CURL_LIBS) $(READLINE_LIBS) $(CAIRO_LIBS)
LIBS_ft-report = $(STORE_LIBS) $(CSV_LIBS) $(CURL_LIBS) $(CAIRO_LIBS)
LIBS_ft-serve = $(STORE_LIBS) $(CSV_LIBS) $(MHD_LIBS) $(CURL_LIBS) \
	$(CAIRO_LIBS) -lpthread
LIBS_ft-schedule = -lpthread
LIBS_test-schedule = -lpthread
LIBS_test-proc = -lpthread
LIBS_test-query = $(STORE_LIBS)
LIBS_test-csvio = $(CSV_LIBS)
LIBS_test-store-erase = $(STORE_LIBS)
LIBS_test-store-crops = $(STORE_LIBS)
CXX_PROGRAMS += ft-capture ft-recognize ft-enroll
LIBS_ft-capture = $(OPENCV_LIBS)
# dlib's .pc file names the BLAS and LAPACK it was built with, and SQLite
# for a database wrapper in dlib that FaceTrack does not use.
DLIB_LIBS ?= $(filter-out -lsqlite3 %/libsqlite3.so,\
	$(or $(shell $(PKG_CONFIG) --libs dlib-1 2>/dev/null),\
	-ldlib -lblas -llapack -lpthread))
LIBS_ft-recognize = $(STORE_LIBS) $(DLIB_LIBS) $(FACE_CV_LIBS) \
	$(FAISS_LIBS) -ldl
LIBS_ft-enroll = $(STORE_LIBS) $(CSV_LIBS) $(DLIB_LIBS) $(FACE_CV_LIBS) -ldl \
	$(FAISS_LIBS) $(CAIRO_LIBS)
# ft-serve searches customers by photo (lib/review, lib/faces); the
# models are read only when the first search comes.
CXX_PROGRAMS += ft-serve
LIBS_ft-serve += $(DLIB_LIBS) $(FACE_CV_LIBS) $(FAISS_LIBS) -ldl
LIBS_ft-seed-demo = $(STORE_LIBS)

PROGRAMS = $(patsubst cmd/%.c,%,$(wildcard cmd/ft-*.c))
PROGRAM_BINS = $(addprefix $(B)/,$(PROGRAMS))
TOOLS = $(B)/ft-seed-demo $(B)/ft-bench-index $(B)/ft-bench-register \
	$(B)/ft-bench-review
UNIT_TESTS = $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/*.c))

MANPAGES = $(wildcard man/*.[1-8])

all: $(LIB) $(PROGRAM_BINS) $(TOOLS)

$(B)/lib $(B)/cmd $(B)/tests $(B)/scripts:
	@mkdir -p $@

$(B)/lib/%.o: lib/%.c | $(B)/lib
	$(CC) $(CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

$(B)/lib/%.o: $(B)/lib/%.c | $(B)/lib
	$(CC) $(CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

$(B)/lib/%.o: lib/%.cc | $(B)/lib
	$(CXX) $(CXXFLAGS) $(CXXDEPFLAGS) -MMD -MP -c -o $@ $<

# The migrations in sql/ are compiled into the library, so an installed
# program needs no data files to create or upgrade its store.
$(B)/lib/migrations.c: scripts/embed-sql $(sort $(wildcard sql/*/*.sql)) | $(B)/lib
	sh scripts/embed-sql sql > $@.tmp && mv $@.tmp $@

$(LIB): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/cmd/%.o: cmd/%.c | $(B)/cmd
	$(CC) $(CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

$(PROGRAM_BINS) $(TOOLS): $(B)/%: $(B)/cmd/%.o $(LIB)
	$(if $(filter $*,$(CXX_PROGRAMS)),$(CXX),$(CC)) $(LDFLAGS) -o $@ $< \
		$(LIB) $(LIBS_$*) $(CORE_LIBS)

$(B)/cmd/ft-seed-demo.o: scripts/seed-demo.c | $(B)/cmd
	$(CC) $(CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

# Benchmark tools of the face pipeline (scripts/bench-pipeline): search
# latency and recall of lib/index, registration quality of lib/match.
CXX_PROGRAMS += ft-bench-index ft-bench-register
LIBS_ft-bench-index = $(FAISS_LIBS)
LIBS_ft-bench-register = $(STORE_LIBS) $(DLIB_LIBS) $(FACE_CV_LIBS) $(FAISS_LIBS)
# The time lib/review takes at 100,000 customers (scripts/bench).
CXX_PROGRAMS += ft-bench-review
LIBS_ft-bench-review = $(STORE_LIBS) $(FAISS_LIBS)
$(B)/cmd/ft-bench-%.o: scripts/bench-%.c | $(B)/cmd
	$(CC) $(CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

# Unit tests of C++ shims link as programs do: CXX_TESTS with $(CXX),
# LIBS_test-NAME for their libraries.
CXX_TESTS = test-face
LIBS_test-face = $(DLIB_LIBS) $(FACE_CV_LIBS) -ldl
CXX_TESTS += test-faces
LIBS_test-faces = $(DLIB_LIBS) $(FACE_CV_LIBS) -ldl
CXX_TESTS += test-frame
LIBS_test-frame = $(OPENCV_LIBS)
CXX_TESTS += test-index
LIBS_test-index = $(FAISS_LIBS)
# The recogniser's tests drive it with synthetic faces: no dlib.
CXX_TESTS += test-recognize
LIBS_test-recognize = $(STORE_LIBS) $(FAISS_LIBS) $(OPENCV_LIBS)
# lib/review's ranking on made-up descriptors: the index, no dlib.
CXX_TESTS += test-review
LIBS_test-review = $(STORE_LIBS) $(FAISS_LIBS)
$(B)/tests/%.o: tests/unit/%.c | $(B)/tests
	$(CC) $(CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

# Programs the shell tests run, tests/helpers/NAME.c, link in the same
# way into $(B)/tests/NAME (FT_BUILD/tests/NAME for the tests).
TEST_HELPERS = $(patsubst tests/helpers/%.c,$(B)/tests/%,\
	$(wildcard tests/helpers/*.c))
LIBS_visit-add = $(STORE_LIBS)
$(B)/tests/%.o: tests/helpers/%.c | $(B)/tests
	$(CC) $(CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%: $(B)/tests/%.o $(LIB)
	$(if $(filter $*,$(CXX_TESTS)),$(CXX),$(CC)) $(LDFLAGS) -o $@ $< \
		$(LIB) $(LIBS_$*) $(CORE_LIBS)

# The face models (make models) and what tests and benchmarks of lib/face
# run: face-test on photos, face-eval on labelled pairs, and face-api in
# Node as the reference (tests/face).
include models/models.mk
# Where lib/faces looks for them: ft_faces_models_dir() in lib/faces.h.
$(B)/lib/faces.o: DEPCFLAGS += -DFT_MODELSDIR='"$(MODELSDIR)"' \
	-DFT_BUILD_DIR='"$(abspath $(B))"' \
	-DFT_BUILD_MODELS_DIR='"$(abspath $(MODELS_DIR))"'
# The default store (lib/config) and the dashboard's files when ft-serve
# finds none beside its program (cmd/ft-serve).
$(B)/lib/config.o: DEPCFLAGS += -DFT_DEFAULT_DB='"$(DEFAULT_DB)"'
$(B)/cmd/ft-serve.o: DEPCFLAGS += -DFT_WEBDIR='"$(WEBDIR)"'
FACE_TOOLS = $(B)/tests/face-test $(B)/tests/face-eval $(B)/tests/detect-test
$(FACE_TOOLS): $(B)/tests/%: tests/face/%.c tests/face/jpeg.h \
		tests/face/box.h $(LIB) | $(B)/tests
	$(CC) $(CFLAGS) -c -o $@.o $<
	$(CXX) $(LDFLAGS) -o $@ $@.o $(LIB) $(DLIB_LIBS) $(FACE_CV_LIBS) \
		-ljpeg -ldl $(CORE_LIBS)
FACE_TOOLS += $(B)/tests/make-shape5
$(B)/tests/make-shape5: tests/face/make-shape5.cc | $(B)/tests
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $< $(DLIB_LIBS)

# With UndefinedBehaviorSanitizer, g++ takes tens of minutes and gigabytes
# on dlib's templates: what includes dlib is built with the other
# sanitizers only, at -O1 with line tables.
ifneq ($(SANITIZE),)
comma := ,
empty :=
space := $(empty) $(empty)
DLIB_SANITIZE := $(subst $(space),$(comma),$(strip \
	$(filter-out undefined,$(subst $(comma),$(space),$(SANITIZE)))))
DLIB_CXXFLAGS := $(filter-out -fsanitize=% -O% -g,$(CXXFLAGS)) -O1 -g1 \
	$(if $(DLIB_SANITIZE),-fsanitize=$(DLIB_SANITIZE))
$(B)/lib/face.o $(B)/tests/make-shape5 $(FACEAPI_CONVERT): \
	override CXXFLAGS := $(DLIB_CXXFLAGS)
# These two compile and link in one command.
$(B)/tests/make-shape5 $(FACEAPI_CONVERT): override LDFLAGS := \
	$(filter-out -fsanitize=%,$(LDFLAGS)) \
	$(if $(DLIB_SANITIZE),-fsanitize=$(DLIB_SANITIZE))
else
# dlib's templates are compiled into lib/face.o: the shape model's
# cascade and HOG's filters run in some 60% of the time at -O3, which
# vectorises them, with the same results (no fast-math).
$(B)/lib/face.o: CXXFLAGS += -O3
endif

# Fuzzing (tests/fuzz): libFuzzer targets, built with clang and the
# sanitizers from objects of their own under $(B)/fuzz (the library is
# built again there, its C modules and the frame shim; a target links
# only what it calls).  make fuzz runs each for FUZZ_SECONDS, keeping
# new inputs and crashes under FUZZ_DIR; tests/0600-fuzz-replay.t runs
# every target over its corpus and saved crashes in make check.
FUZZ_CC ?= clang
FUZZ_CXX ?= clang++
FUZZ_SANITIZE ?= address,undefined
FUZZ_SECONDS ?= 60
FUZZ_DIR ?= $(B)/fuzz/run
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz-%.c,%,\
	$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BINS = $(addprefix $(B)/fuzz/fuzz-,$(FUZZ_TARGETS))
# clang, unlike gcc, warns of the { NULL } that ends a table.
FUZZ_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=$(FUZZ_SANITIZE) \
	-fno-sanitize-recover=all -Wno-missing-field-initializers
FUZZ_CFLAGS = $(filter-out -O% -g -fsanitize=% -fno-omit-frame-pointer,\
	$(CFLAGS)) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link
FUZZ_CXXFLAGS = $(filter-out -O% -g -fsanitize=% -fno-omit-frame-pointer,\
	$(CXXFLAGS)) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link
FUZZ_LIB = $(B)/fuzz/libfacetrack.a
FUZZ_LIB_OBJS = $(patsubst lib/%.c,$(B)/fuzz/lib/%.o,$(LIB_SRCS)) \
	$(patsubst lib/%.cc,$(B)/fuzz/lib/%.o,$(wildcard lib/*.cc)) \
	$(B)/fuzz/lib/migrations.o
LIBS_fuzz-query = $(STORE_LIBS) $(CSV_LIBS)
LIBS_fuzz-csvio = $(CSV_LIBS)
LIBS_fuzz-frame = $(OPENCV_LIBS)
LIBS_fuzz-serve = $(LIBS_ft-serve)

fuzz-build: $(FUZZ_BINS)

$(B)/fuzz/lib:
	@mkdir -p $@

$(B)/fuzz/lib/%.o: lib/%.c | $(B)/fuzz/lib
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

$(B)/fuzz/lib/migrations.o: $(B)/lib/migrations.c | $(B)/fuzz/lib
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(B)/fuzz/lib/%.o: lib/%.cc | $(B)/fuzz/lib
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) $(CXXDEPFLAGS) -MMD -MP -c -o $@ $<

# The dlib wrapper is linked (ft-serve searches by photo) but no target
# feeds it: built without the sanitizers, which take minutes on dlib.
$(B)/fuzz/lib/face.o: lib/face.cc | $(B)/fuzz/lib
	$(FUZZ_CXX) $(filter-out -fsanitize=% -O% -g,$(CXXFLAGS)) -O1 -g1 \
		$(CXXDEPFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPCFLAGS) -Itests/fuzz -c -o $@.o $<
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $@.o \
		$(FUZZ_LIB) $(LIBS_fuzz-$*) $(CORE_LIBS)

fuzz: check-deps
	$(MAKE) fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_DIR=$(FUZZ_DIR) \
		FT_BUILD="$(CURDIR)/$(B)" sh scripts/fuzz $(FUZZ_TARGETS)

# make soak runs the whole system for SOAK_SECONDS (default 300) into a
# scratch store and checks that no visit was lost or doubled, that
# ft-serve's and ft-recognize's memory and open files stayed flat and
# that nothing crashed (scripts/soak).  Not part of make check.
soak: check-deps
	$(MAKE) all models $(TEST_HELPERS)
	PATH="$(CURDIR)/$(B):$$PATH" FT_BUILD="$(CURDIR)/$(B)" sh scripts/soak

# make check builds everything the tests need and runs every test against
# the binaries just built: unit tests of lib/ and shell tests of the
# programs, on SQLite and on a throwaway MariaDB server (FT_TEST_MYSQL=0
# skips it).
FT_TEST_MYSQL ?= 1
PROVE ?= prove

# make installs no packages: scripts/install-deps does, as root.  make check
# and make bench only say, before building anything, what is missing.  The
# sub-make builds after that check.
check: check-deps
	$(MAKE) check-build
	mandoc -T lint -W warning $(MANPAGES)
	$(if $(filter 1,$(FT_TEST_MYSQL)),sh scripts/mariadb-test run) \
		env PATH="$(CURDIR)/$(B):$$PATH" FT_BUILD="$(CURDIR)/$(B)" \
		$(PROVE) $(UNIT_TESTS) tests/*.t

check-build: all web models $(UNIT_TESTS) $(TEST_HELPERS) $(FACE_TOOLS) \
	$(FUZZ_BINS) \
	tests/face/node_modules/.package-lock.json \
	tests/browser/node_modules/.package-lock.json

check-deps:
	@sh scripts/install-deps --check || { echo >&2 "make: install" \
		"them with scripts/install-deps (as root or with sudo)"; \
		exit 1; }

# Front-end packages from npm, pinned by each package-lock.json: Chart.js
# for the dashboard that ft-serve serves from web/ (make web), and
# playwright-core for the browser tests.  npm ci writes
# node_modules/.package-lock.json, which stands for the whole install here.
NPM ?= npm
web: web/node_modules/.package-lock.json
%/node_modules/.package-lock.json: %/package.json %/package-lock.json
	cd $* && $(NPM) ci --no-audit --no-fund
	touch $@

bench: check-deps
	$(MAKE) all web models $(TEST_HELPERS) $(FACE_TOOLS) \
		tests/face/node_modules/.package-lock.json
	PATH="$(CURDIR)/$(B):$$PATH" FT_BUILD="$(CURDIR)/$(B)" sh scripts/bench

# Installed: the programs and ft-seed-demo (the README's demo data;
# scripts/seed-demo runs it in a checkout), with the man pages, the
# dashboard and the models.  The ft-bench-* tools are not: they are
# developers' measurements that make bench runs from $(B).
INSTALL_BINS = $(PROGRAM_BINS) $(B)/ft-seed-demo

install: all web models
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(INSTALL_BINS) $(DESTDIR)$(BINDIR)
	for f in $(MANPAGES); do \
		s=$${f##*.}; install -m 644 $$f $(DESTDIR)$(MANDIR)/man$$s; done
	install -d $(DESTDIR)$(WEBDIR)/css $(DESTDIR)$(WEBDIR)/js \
		$(DESTDIR)$(WEBDIR)/img \
		$(DESTDIR)$(WEBDIR)/node_modules/chart.js/dist
	install -m 644 web/*.html $(DESTDIR)$(WEBDIR)
	install -m 644 web/css/*.css $(DESTDIR)$(WEBDIR)/css
	install -m 644 web/js/*.js $(DESTDIR)$(WEBDIR)/js
	install -m 644 web/img/* $(DESTDIR)$(WEBDIR)/img
	install -m 644 web/node_modules/chart.js/dist/chart.umd.min.js \
		web/node_modules/chart.js/LICENSE.md \
		$(DESTDIR)$(WEBDIR)/node_modules/chart.js/dist
	install -d $(DESTDIR)$(MODELSDIR)
	install -m 644 $(FT_MODEL_DESCRIPTOR) $(FT_MODEL_DETECTOR) \
		$(if $(SHAPE_LINK),,$(FT_MODEL_SHAPE)) $(DESTDIR)$(MODELSDIR)
	$(if $(SHAPE_LINK),ln -sf $(SHAPE_LINK) \
		$(DESTDIR)$(MODELSDIR)/$(notdir $(FT_MODEL_SHAPE)))

# make deb builds the Debian package from debian/ with dpkg-buildpackage
# (debian/rules runs this Makefile in debian/build with the installed
# layout) and moves what it writes beside the checkout into $(B)/.
# Nothing of the caller's make (B, CFLAGS, -j) reaches the package's
# build: dpkg-buildpackage sets its own flags, DEB_JOBS jobs.
DEB_JOBS ?= 2
DEB_ARCH = $(shell dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null)
DEB = $(B)/facetrack_$(VERSION)_$(DEB_ARCH).deb
deb:
	@v=$$(dpkg-parsechangelog -S Version) && [ "$$v" = "$(VERSION)" ] || \
		{ echo >&2 "make: debian/changelog is at $$v," \
			"the Makefile at $(VERSION)"; exit 1; }
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -b -us -uc -j$(DEB_JOBS)
	mkdir -p $(B)
	for f in ../facetrack_$(VERSION)_$(DEB_ARCH).deb \
		../facetrack_$(VERSION)_$(DEB_ARCH).buildinfo \
		../facetrack_$(VERSION)_$(DEB_ARCH).changes \
		../facetrack-dbgsym_$(VERSION)_$(DEB_ARCH).deb; do \
		[ ! -e "$$f" ] || mv "$$f" $(B)/ || exit 1; done

# As root, on a machine where the package is not installed: lintian, then
# install, use, upgrade, remove and purge it (scripts/deb-test).
deb-check: deb
	sh scripts/deb-test $(DEB)

uninstall:
	for p in $(notdir $(INSTALL_BINS)); do \
		rm -f $(DESTDIR)$(BINDIR)/$$p; done
	for f in $(MANPAGES); do \
		s=$${f##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${f##*/}; done
	rm -rf $(DESTDIR)$(WEBDIR) $(DESTDIR)$(MODELSDIR)

clean:
	rm -rf $(B)

# make -j2 clean all: in parallel, make judges the files of all up to date
# before clean has removed them, and builds nothing.  With clean among
# other goals, this make runs one job at a time (a make it starts, as
# make check does, runs in parallel again).
ifneq ($(and $(filter clean,$(MAKECMDGOALS)),\
	$(filter-out clean,$(MAKECMDGOALS))),)
.NOTPARALLEL:
endif

.PHONY: all web check check-build check-deps bench install uninstall clean \
	fuzz fuzz-build soak deb deb-check

-include $(wildcard $(B)/lib/*.d $(B)/cmd/*.d $(B)/tests/*.d \
	$(B)/fuzz/lib/*.d)
