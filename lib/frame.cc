/*
 * frame — capture sources and JPEG over OpenCV.
 *
 * OpenCV works in BGR; everything leaving this file is RGB, the order
 * lib/face takes.  An ft_image keeps the cv::Mat that owns its pixels in
 * priv, so decoding costs no copy.
 */
#include "frame.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

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
#include <sys/stat.h>

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
			struct dirent *e;

			src->kind = FT_FRAME_DIR;
			if (!d) {
				set_err(errp, "%s", strerror(errno));
				delete src;
				return NULL;
			}
			while ((e = readdir(d)))
				if (e->d_name[0] != '.' &&
				    has_image_suffix(e->d_name))
					src->files.push_back(std::string(name) +
					    "/" + e->d_name);
			closedir(d);
			std::sort(src->files.begin(), src->files.end());
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

extern "C" int
ft_image_read(const char *path, ft_image *img, char **errp)
{
	FILE *f;
	std::vector<uint8_t> buf;
	uint8_t chunk[65536];
	size_t n;

	ft_image_clear(img);
	if (errp)
		*errp = NULL;
	if (!(f = fopen(path, "rb"))) {
		set_err(errp, "%s", strerror(errno));
		return -1;
	}
	try {
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf.insert(buf.end(), chunk, chunk + n);
	} catch (std::bad_alloc &) {
		fclose(f);
		set_err(errp, "out of memory");
		return -1;
	}
	if (ferror(f)) {
		set_err(errp, "%s", strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
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
