/*
 * frame — capture sources and JPEG over OpenCV.
 *
 * OpenCV works in BGR; everything leaving this file is RGB, the order
 * lib/face takes.  An ft_image keeps the cv::Mat that owns its pixels in
 * priv, so decoding costs no copy.
 */
#include "frame.h"

extern "C" {
#include "config.h"
}

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <malloc.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

struct ft_frame_src {
	enum ft_frame_kind kind;
	cv::VideoCapture cap;
	std::vector<std::string> files;	/* a directory's images */
	size_t next;			/* next file to read */
	std::string path;		/* the file last read */
	bool done;			/* a single image already read */
};

static void
set_err(char **errp, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (!errp)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	*errp = strdup(buf);
}

void
ft_image_clear(ft_image *img)
{
	if (!img)
		return;
	delete static_cast<cv::Mat *>(img->priv);
	memset(img, 0, sizeof *img);
}

/* Hand m (RGB or grey) over to img. */
static void
take(ft_image *img, cv::Mat &m)
{
	cv::Mat *own = new cv::Mat(m);

	img->width = own->cols;
	img->height = own->rows;
	img->channels = own->channels();
	img->stride = own->step[0];
	img->pixels = own->data;
	img->priv = own;
}

/* A cv::Mat header over img's pixels (no copy). */
static cv::Mat
view(const ft_image *img)
{
	return cv::Mat(img->height, img->width,
	    img->channels == 1 ? CV_8UC1 : CV_8UC3, img->pixels, img->stride);
}

/*
 * Bounds on what is decoded: a picture's pixels as its header states
 * them, and the bytes of its file or buffer.  Read from the settings on
 * first use; 0 until then.
 */
static long long max_pixels, max_bytes;

static bool
limit_setting(const char *key, long long def, long long *out, char **errp)
{
	const char *v = ft_config_get(key, NULL);
	char *end;
	long long n;

	if (!v) {
		*out = def;
		return true;
	}
	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || *end || errno || n < 1) {
		set_err(errp, "bad %s '%.40s' (a whole number from 1)", key,
		    v);
		return false;
	}
	*out = n;
	return true;
}

static bool
load_limits(char **errp)
{
	long long p, b;

	if (max_pixels > 0)
		return true;
	if (!limit_setting("FT_MAX_IMAGE_PIXELS", FT_IMAGE_MAX_PIXELS, &p,
	    errp) ||
	    !limit_setting("FT_MAX_IMAGE_BYTES", FT_IMAGE_MAX_BYTES, &b, errp))
		return false;
	max_pixels = p;
	max_bytes = b;
	return true;
}

extern "C" void
ft_image_set_limits(long long pixels, long long bytes)
{
	max_pixels = pixels > 0 ? pixels : 0;
	max_bytes = bytes > 0 ? bytes : 0;
	/* Either 0: read the settings again. */
	if (!max_pixels || !max_bytes)
		max_pixels = max_bytes = 0;
}

static unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned long
be32(const uint8_t *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	    (unsigned long)p[2] << 8 | p[3];
}

/* The size a JPEG's frame header (SOFn) states, walking the markers that
 * come before it as libjpeg does. */
static int
probe_jpeg(const uint8_t *p, size_t len, long *w, long *h)
{
	size_t i = 2, seg;
	unsigned m;

	for (;;) {
		/* Stray bytes before a marker: libjpeg skips them. */
		while (i < len && p[i] != 0xff)
			i++;
		while (i < len && p[i] == 0xff)
			i++;
		if (i >= len)
			return -1;
		m = p[i++];
		if (m == 0x01 || m == 0xd8 || (m >= 0xd0 && m <= 0xd7))
			continue;	/* markers without a segment */
		if (m == 0xd9 || m == 0xda)
			return -1;	/* no frame header before the scan */
		if (i + 2 > len || (seg = be16(p + i)) < 2 || i + seg > len)
			return -1;
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		    m != 0xcc) {
			if (seg < 7)
				return -1;
			*h = (long)be16(p + i + 3);
			*w = (long)be16(p + i + 5);
			return *w > 0 && *h > 0 ? 1 : -1;
		}
		i += seg;
	}
}

extern "C" int
ft_image_probe(const void *data, size_t len, long *width, long *height)
{
	static const uint8_t png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };
	const uint8_t *p = static_cast<const uint8_t *>(data);

	*width = *height = 0;
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return probe_jpeg(p, len, width, height);
	if (len >= 8 && !memcmp(p, png, 8)) {
		if (len < 24 || be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4))
			return -1;
		*width = (long)be32(p + 16);
		*height = (long)be32(p + 20);
		return *width > 0 && *height > 0 && *width <= 0x7fffffffL &&
		    *height <= 0x7fffffffL ? 1 : -1;
	}
	return 0;
}

/* Refuse what would cost too much to decode: too many bytes, or a
 * JPEG or PNG whose header states too many pixels. */
static int
check_encoded(const void *data, size_t len, char **errp)
{
	long w, h;
	int kind;

	if (!load_limits(errp))
		return -1;
	if ((unsigned long long)len > (unsigned long long)max_bytes) {
		set_err(errp, "image of %zu bytes is over the limit of %lld "
		    "(FT_MAX_IMAGE_BYTES)", len, max_bytes);
		return -1;
	}
	kind = ft_image_probe(data, len, &w, &h);
	if (kind < 0) {
		set_err(errp, "not a valid %s header", len >= 1 &&
		    static_cast<const uint8_t *>(data)[0] == 0xff ?
		    "JPEG" : "PNG");
		return -1;
	}
	if (kind > 0 && (long long)w * h > max_pixels) {
		set_err(errp, "image of %ldx%ld pixels is over the limit of "
		    "%lld (FT_MAX_IMAGE_PIXELS)", w, h, max_pixels);
		return -1;
	}
	return 0;
}

/* A video source whose frames are over the pixel limit is refused when
 * it opens (the property is 0 when the backend does not know). */
static int
check_video(cv::VideoCapture &cap, char **errp)
{
	double w = cap.get(cv::CAP_PROP_FRAME_WIDTH);
	double h = cap.get(cv::CAP_PROP_FRAME_HEIGHT);

	if (!load_limits(errp))
		return -1;
	if (w > 0 && h > 0 && w * h > (double)max_pixels) {
		set_err(errp, "frames of %.0fx%.0f pixels are over the limit "
		    "of %lld (FT_MAX_IMAGE_PIXELS)", w, h, max_pixels);
		return -1;
	}
	return 0;
}

static int
bgr_to_image(cv::Mat &bgr, ft_image *img)
{
	cv::Mat rgb;

	if (bgr.channels() == 1)
		rgb = bgr;
	else if (bgr.channels() == 4)
		cv::cvtColor(bgr, rgb, cv::COLOR_BGRA2RGB);
	else
		cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
	if (!rgb.isContinuous() && rgb.data == bgr.data)
		rgb = rgb.clone();
	take(img, rgb);
	return 0;
}

static bool
has_image_suffix(const std::string &name)
{
	static const char *const ext[] = {
		".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".pgm", ".pnm",
		".webp", ".tif", ".tiff"
	};
	std::string low = name;

	for (auto &ch : low)
		ch = (char)tolower((unsigned char)ch);
	for (const char *e : ext) {
		size_t n = strlen(e);
		if (low.size() > n && !low.compare(low.size() - n, n, e))
			return true;
	}
	return false;
}

/* The image files of the open directory d (named name), by name; hidden
 * ones left out. */
static void
list_images(DIR *d, const char *name, std::vector<std::string> &out)
{
	struct dirent *e;

	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && has_image_suffix(e->d_name))
			out.push_back(std::string(name) + "/" + e->d_name);
	std::sort(out.begin(), out.end());
}

extern "C" int
ft_image_list(const char *dir, char ***paths, size_t *n, char **errp)
{
	std::vector<std::string> files;
	DIR *d;
	size_t i;

	*paths = NULL;
	*n = 0;
	if (errp)
		*errp = NULL;
	if (!(d = opendir(dir))) {
		set_err(errp, "%s", strerror(errno));
		return -1;
	}
	try {
		list_images(d, dir, files);
	} catch (std::bad_alloc &) {
		closedir(d);
		set_err(errp, "out of memory");
		return -1;
	}
	closedir(d);
	if (files.size() > FT_IMAGE_LIST_MAX) {
		set_err(errp, "%zu images, over the limit of %d", files.size(),
		    FT_IMAGE_LIST_MAX);
		return -1;
	}
	if (!(*paths = (char **)calloc(files.size() + 1, sizeof **paths))) {
		set_err(errp, "out of memory");
		return -1;
	}
	for (i = 0; i < files.size(); i++) {
		if (!((*paths)[i] = strdup(files[i].c_str()))) {
			ft_image_list_free(*paths, i);
			*paths = NULL;
			set_err(errp, "out of memory");
			return -1;
		}
	}
	*n = files.size();
	return 0;
}

extern "C" void
ft_image_list_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
}

static bool
is_camera_index(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

extern "C" ft_frame_src *
ft_frame_open(const char *name, char **errp)
{
	ft_frame_src *src;
	struct stat st;

	if (errp)
		*errp = NULL;
	try {
		src = new ft_frame_src();
	} catch (std::bad_alloc &) {
		set_err(errp, "out of memory");
		return NULL;
	}
	src->next = 0;
	src->done = false;
	try {
		if (is_camera_index(name)) {
			src->kind = FT_FRAME_CAMERA;
			src->cap.open(atoi(name), cv::CAP_ANY);
		} else if (!strncmp(name, "/dev/video", 10)) {
			src->kind = FT_FRAME_CAMERA;
			src->cap.open(name, cv::CAP_V4L2);
		} else if (strstr(name, "://")) {
			src->kind = FT_FRAME_STREAM;
			src->cap.open(name, cv::CAP_FFMPEG);
		} else if (stat(name, &st) != 0) {
			set_err(errp, "%s", strerror(errno));
			delete src;
			return NULL;
		} else if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(name);

			src->kind = FT_FRAME_DIR;
			if (!d) {
				set_err(errp, "%s", strerror(errno));
				delete src;
				return NULL;
			}
			list_images(d, name, src->files);
			closedir(d);
			return src;
		} else if (has_image_suffix(name)) {
			src->kind = FT_FRAME_IMAGE;
			src->files.push_back(name);
			return src;
		} else {
			FILE *f = fopen(name, "rb");

			if (!f) {
				set_err(errp, "%s", strerror(errno));
				delete src;
				return NULL;
			}
			fclose(f);
			src->kind = FT_FRAME_VIDEO;
			src->cap.open(name, cv::CAP_FFMPEG);
		}
	} catch (cv::Exception &e) {
		set_err(errp, "%s", e.what());
		delete src;
		return NULL;
	}
	if (!src->cap.isOpened()) {
		set_err(errp, src->kind == FT_FRAME_VIDEO ?
		    "not a video file OpenCV can read" :
		    "cannot open the source");
		delete src;
		return NULL;
	}
	if (check_video(src->cap, errp)) {
		delete src;
		return NULL;
	}
	return src;
}

extern "C" void
ft_frame_close(ft_frame_src *src)
{
	delete src;
}

extern "C" enum ft_frame_kind
ft_frame_kind(const ft_frame_src *src)
{
	return src->kind;
}

extern "C" int
ft_frame_is_live(const ft_frame_src *src)
{
	return src->kind == FT_FRAME_CAMERA || src->kind == FT_FRAME_STREAM;
}

extern "C" double
ft_frame_fps(const ft_frame_src *src)
{
	double fps;

	if (!src->cap.isOpened())
		return 0;
	fps = src->cap.get(cv::CAP_PROP_FPS);
	return fps > 0 && fps < 1000 ? fps : 0;
}

extern "C" int
ft_frame_ask_size(ft_frame_src *src, int width, int height)
{
	if (src->kind != FT_FRAME_CAMERA || !src->cap.isOpened())
		return 0;
	try {
		src->cap.set(cv::CAP_PROP_FRAME_WIDTH, width);
		src->cap.set(cv::CAP_PROP_FRAME_HEIGHT, height);
		return (int)src->cap.get(cv::CAP_PROP_FRAME_WIDTH) == width &&
		    (int)src->cap.get(cv::CAP_PROP_FRAME_HEIGHT) == height;
	} catch (cv::Exception &) {
		return -1;
	}
}

extern "C" int
ft_frame_read(ft_frame_src *src, int64_t interval_ms, ft_image *img,
    ft_frame_info *info, char **errp)
{
	ft_image_clear(img);
	if (errp)
		*errp = NULL;
	info->pos_ms = -1;
	info->path = NULL;
	try {
		if (src->kind == FT_FRAME_DIR || src->kind == FT_FRAME_IMAGE) {
			size_t i = src->next;

			if (i >= src->files.size())
				return 0;
			src->next++;
			src->path = src->files[i];
			info->path = src->path.c_str();
			info->pos_ms = (int64_t)i * interval_ms;
			return ft_image_read(src->path.c_str(), img, errp) ?
			    -1 : 1;
		}
		cv::Mat bgr;

		if (!src->cap.read(bgr) || bgr.empty()) {
			if (ft_frame_is_live(src)) {
				set_err(errp, "the source stopped sending "
				    "frames");
				return -1;
			}
			return 0;
		}
		if (!ft_frame_is_live(src))
			info->pos_ms = (int64_t)(src->cap.get(
			    cv::CAP_PROP_POS_MSEC) + 0.5);
		return bgr_to_image(bgr, img) ? -1 : 1;
	} catch (cv::Exception &e) {
		set_err(errp, "%s", e.what());
		return -1;
	} catch (std::bad_alloc &) {
		set_err(errp, "out of memory");
		return -1;
	}
}

extern "C" int
ft_frame_skip(ft_frame_src *src, int64_t *pos_ms, char **errp)
{
	if (errp)
		*errp = NULL;
	if (src->kind == FT_FRAME_DIR || src->kind == FT_FRAME_IMAGE) {
		if (src->next >= src->files.size())
			return 0;
		src->next++;
		*pos_ms = -1;
		return 1;
	}
	try {
		if (!src->cap.grab()) {
			if (ft_frame_is_live(src)) {
				set_err(errp, "the source stopped sending "
				    "frames");
				return -1;
			}
			return 0;
		}
		*pos_ms = ft_frame_is_live(src) ? -1 :
		    (int64_t)(src->cap.get(cv::CAP_PROP_POS_MSEC) + 0.5);
		return 1;
	} catch (cv::Exception &e) {
		set_err(errp, "%s", e.what());
		return -1;
	}
}

/* Read a regular file of at most max_bytes into buf. */
static int
read_bounded(const char *path, std::vector<uint8_t> &buf, char **errp)
{
	struct stat st;
	uint8_t chunk[65536];
	ssize_t n;
	int fd;

	/* O_NONBLOCK: a FIFO named here must not hang the open. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		set_err(errp, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		set_err(errp, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(errp, "not a regular file");
		close(fd);
		return -1;
	}
	if ((long long)st.st_size > max_bytes) {
		set_err(errp, "image of %lld bytes is over the limit of %lld "
		    "(FT_MAX_IMAGE_BYTES)", (long long)st.st_size, max_bytes);
		close(fd);
		return -1;
	}
	try {
		buf.reserve((size_t)st.st_size);
		/* The file may grow while read: stop one byte over. */
		while ((long long)buf.size() <= max_bytes &&
		    (n = read(fd, chunk, sizeof chunk)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				set_err(errp, "%s", strerror(errno));
				close(fd);
				return -1;
			}
			buf.insert(buf.end(), chunk, chunk + n);
		}
	} catch (std::bad_alloc &) {
		close(fd);
		set_err(errp, "out of memory");
		return -1;
	}
	close(fd);
	return 0;
}

extern "C" int
ft_image_read(const char *path, ft_image *img, char **errp)
{
	std::vector<uint8_t> buf;

	ft_image_clear(img);
	if (errp)
		*errp = NULL;
	if (!load_limits(errp) || read_bounded(path, buf, errp))
		return -1;
	return ft_image_decode(buf.data(), buf.size(), img, errp);
}

extern "C" int
ft_image_decode(const void *data, size_t len, ft_image *img, char **errp)
{
	ft_image_clear(img);
	if (errp)
		*errp = NULL;
	if (len == 0) {
		set_err(errp, "empty image");
		return -1;
	}
	if (check_encoded(data, len, errp))
		return -1;
	try {
		cv::Mat in(1, (int)len, CV_8UC1, const_cast<void *>(data));
		cv::Mat bgr = cv::imdecode(in, cv::IMREAD_COLOR);

		if (bgr.empty()) {
			set_err(errp, "not an image OpenCV can decode");
			return -1;
		}
		return bgr_to_image(bgr, img);
	} catch (cv::Exception &e) {
		set_err(errp, "cannot decode the image: %s", e.what());
		return -1;
	} catch (std::bad_alloc &) {
		set_err(errp, "out of memory");
		return -1;
	}
}

/* img as a BGR (or grey) matrix for OpenCV's writers. */
static cv::Mat
to_bgr(const ft_image *img)
{
	cv::Mat in = view(img), bgr;

	if (img->channels == 1)
		return in;
	cv::cvtColor(in, bgr, cv::COLOR_RGB2BGR);
	return bgr;
}

extern "C" int
ft_image_encode_jpeg(const ft_image *img, int quality, uint8_t **out,
    size_t *len, char **errp)
{
	if (errp)
		*errp = NULL;
	try {
		std::vector<uint8_t> buf;
		std::vector<int> params = { cv::IMWRITE_JPEG_QUALITY,
		    std::max(1, std::min(100, quality)) };

		if (!cv::imencode(".jpg", to_bgr(img), buf, params)) {
			set_err(errp, "cannot encode JPEG");
			return -1;
		}
		if (!(*out = (uint8_t *)malloc(buf.size() ? buf.size() : 1))) {
			set_err(errp, "out of memory");
			return -1;
		}
		memcpy(*out, buf.data(), buf.size());
		*len = buf.size();
		return 0;
	} catch (cv::Exception &e) {
		set_err(errp, "cannot encode JPEG: %s", e.what());
		return -1;
	} catch (std::bad_alloc &) {
		set_err(errp, "out of memory");
		return -1;
	}
}

extern "C" int
ft_image_write_jpeg(const ft_image *img, const char *path, int quality,
    char **errp)
{
	uint8_t *buf;
	size_t len;
	FILE *f;
	int rc = 0;

	if (ft_image_encode_jpeg(img, quality, &buf, &len, errp))
		return -1;
	if (!(f = fopen(path, "wb"))) {
		set_err(errp, "%s", strerror(errno));
		free(buf);
		return -1;
	}
	if (fwrite(buf, 1, len, f) != len)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc)
		set_err(errp, "%s", strerror(errno));
	free(buf);
	return rc;
}

extern "C" void
ft_image_keep_memory(void)
{
	/* Below the largest threshold glibc allows (32 MB: a 4K frame),
	 * and trimmed only beyond several frames' worth. */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

extern "C" int
ft_image_resize(const ft_image *src, int width, int height, ft_image *dst,
    char **errp)
{
	if (errp)
		*errp = NULL;
	if (dst != src)
		ft_image_clear(dst);
	try {
		cv::Mat out;

		cv::resize(view(src), out, cv::Size(width, height), 0, 0,
		    width < src->width ? cv::INTER_AREA : cv::INTER_LINEAR);
		if (dst == src)
			ft_image_clear(dst);
		take(dst, out);
		return 0;
	} catch (cv::Exception &e) {
		set_err(errp, "cannot resize: %s", e.what());
		return -1;
	}
}

extern "C" int
ft_image_grey(const ft_image *src, ft_image *dst, char **errp)
{
	if (errp)
		*errp = NULL;
	ft_image_clear(dst);
	try {
		cv::Mat out;

		if (src->channels == 1)
			out = view(src).clone();
		else
			cv::cvtColor(view(src), out, cv::COLOR_RGB2GRAY);
		take(dst, out);
		return 0;
	} catch (cv::Exception &e) {
		set_err(errp, "cannot convert to grey: %s", e.what());
		return -1;
	}
}
