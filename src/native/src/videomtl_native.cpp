// VideoMtl native shim over OpenCV. See include/videomtl_native.h for the ABI rules.
#include "videomtl_native.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <opencv2/videoio/registry.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

// The managed mirrors use these exact sizes; a change here without one there would corrupt memory.
static_assert(sizeof(vm_capture_options) == 40, "vm_capture_options layout changed");
static_assert(sizeof(vm_capture_info) == 64, "vm_capture_info layout changed");
static_assert(sizeof(vm_frame_info) == 24, "vm_frame_info layout changed");
static_assert(sizeof(vm_mat_info) == 32, "vm_mat_info layout changed");
static_assert(sizeof(vm_color) == 4, "vm_color layout changed");
static_assert(sizeof(vm_point) == 8, "vm_point layout changed");
static_assert(sizeof(vm_letterbox) == 24, "vm_letterbox layout changed");

struct vm_mat { cv::Mat mat; };
struct vm_capture {
    cv::VideoCapture cap;
    int64_t frames_read = 0;  // our own counter: backends disagree on what POS_FRAMES means for live sources
};

namespace {

thread_local std::string last_error;

// Raised by the shim itself for argument and open failures; carries the status to return.
struct shim_error : std::runtime_error {
    vm_status status;
    shim_error(vm_status s, const std::string& message) : std::runtime_error(message), status(s) {}
};

// OpenCV logs warnings (failed opens, codec fallbacks) straight to stderr; the managed side reports
// failures itself in one clear line, so OpenCV stays quiet unless the user asked for its logs.
struct quiet_opencv_logging {
    quiet_opencv_logging() {
        if (std::getenv("OPENCV_LOG_LEVEL") == nullptr)
            cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    }
} quiet_logging_instance;

template <typename Body>
vm_status guarded(Body&& body) noexcept {
    try {
        body();
        return VM_OK;
    } catch (const shim_error& e) {
        last_error = e.what();
        return e.status;
    } catch (const cv::Exception& e) {
        last_error = "OpenCV: " + e.err + (e.func.empty() ? std::string() : " (in " + e.func + ")");
        return VM_ERR_OPENCV;
    } catch (const std::bad_alloc&) {
        last_error = "out of memory";
        return VM_ERR_UNKNOWN;
    } catch (const std::exception& e) {
        last_error = e.what();
        return VM_ERR_UNKNOWN;
    } catch (...) {
        last_error = "unknown native error";
        return VM_ERR_UNKNOWN;
    }
}

void require(bool condition, const char* message) {
    if (!condition) throw shim_error(VM_ERR_ARGUMENT, message);
}

void copy_string(const std::string& value, char* buffer, int32_t capacity) {
    require(buffer != nullptr && capacity > 0, "buffer is null");
    if (static_cast<int32_t>(value.size()) >= capacity)
        throw shim_error(VM_ERR_BUFFER_TOO_SMALL, "buffer too small for " + std::to_string(value.size() + 1) + " bytes");
    std::memcpy(buffer, value.c_str(), value.size() + 1);
}

cv::Mat& mat_of(vm_mat* m) {
    require(m != nullptr, "image handle is null");
    return m->mat;
}
const cv::Mat& mat_of(const vm_mat* m) {
    require(m != nullptr, "image handle is null");
    return m->mat;
}

cv::Mat& bgr_target(vm_mat* m) {
    cv::Mat& mat = mat_of(m);
    require(!mat.empty(), "image is empty");
    require(mat.type() == CV_8UC3, "drawing needs an 8-bit 3-channel BGR image");
    return mat;
}

cv::Scalar scalar_of(vm_color c) { return cv::Scalar(c.b, c.g, c.r); }

// FFmpeg reads its per-open options from this variable; it is process-wide, so opens that change
// it are serialized and the previous value is put back before the lock is released.
std::mutex ffmpeg_options_mutex;

bool path_exists(const char* path) {
    struct stat st {};
    return ::stat(path, &st) == 0;
}

}  // namespace

extern "C" {

const char* vm_last_error(void) { return last_error.c_str(); }

vm_status vm_opencv_version(char* buffer, int32_t capacity) {
    return guarded([&] { copy_string(CV_VERSION, buffer, capacity); });
}

vm_status vm_video_backends(char* buffer, int32_t capacity) {
    return guarded([&] {
        std::string names;
        for (auto api : cv::videoio_registry::getBackends()) {
            if (!names.empty()) names += ',';
            names += cv::videoio_registry::getBackendName(api);
        }
        copy_string(names, buffer, capacity);
    });
}

vm_status vm_mat_create(int32_t width, int32_t height, int32_t channels, vm_mat** out) {
    return guarded([&] {
        require(out != nullptr, "out is null");
        require(width >= 0 && height >= 0, "negative image size");
        require(channels == 1 || channels == 3 || channels == 4, "channels must be 1, 3 or 4");
        auto* m = new vm_mat();
        if (width > 0 && height > 0) m->mat.create(height, width, CV_8UC(channels));
        *out = m;
    });
}

vm_status vm_mat_ensure(vm_mat* mat, int32_t width, int32_t height, int32_t channels) {
    return guarded([&] {
        require(mat != nullptr, "mat is null");
        require(width > 0 && height > 0, "image size must be positive");
        require(channels == 1 || channels == 3 || channels == 4, "channels must be 1, 3 or 4");
        mat->mat.create(height, width, CV_8UC(channels));  // a no-op when size and type already match
    });
}

vm_status vm_mat_release(vm_mat* mat) {
    return guarded([&] { delete mat; });
}

vm_status vm_mat_get_info(const vm_mat* mat, vm_mat_info* out) {
    return guarded([&] {
        require(out != nullptr, "out is null");
        const cv::Mat& m = mat_of(mat);
        out->width = m.cols;
        out->height = m.rows;
        out->channels = m.channels();
        out->depth = m.depth();
        out->step = static_cast<int64_t>(m.step[0]);
        out->data = m.data;
    });
}

vm_status vm_mat_copy_to(const vm_mat* src, vm_mat* dst) {
    return guarded([&] { mat_of(src).copyTo(mat_of(dst)); });
}

vm_status vm_mat_fit_into(const vm_mat* src, vm_mat* dst, int32_t width, int32_t height) {
    return guarded([&] {
        require(width > 0 && height > 0, "target size must be positive");
        const cv::Mat& source = mat_of(src);
        require(!source.empty(), "source image is empty");
        cv::Mat bgr;
        if (source.channels() == 1) cv::cvtColor(source, bgr, cv::COLOR_GRAY2BGR);
        else if (source.channels() == 4) cv::cvtColor(source, bgr, cv::COLOR_BGRA2BGR);
        else bgr = source;
        double scale = std::min(static_cast<double>(width) / bgr.cols, static_cast<double>(height) / bgr.rows);
        int w = std::max(1, std::min(width, static_cast<int>(std::lround(bgr.cols * scale))));
        int h = std::max(1, std::min(height, static_cast<int>(std::lround(bgr.rows * scale))));
        // Resize into a temporary first, so dst may even be src (create() below may reallocate it).
        cv::Mat resized;
        cv::resize(bgr, resized, cv::Size(w, h), 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
        cv::Mat& target = mat_of(dst);
        target.create(height, width, CV_8UC3);
        target.setTo(cv::Scalar::all(0));
        resized.copyTo(target(cv::Rect((width - w) / 2, (height - h) / 2, w, h)));
    });
}

vm_status vm_image_read(const char* path, vm_mat** out) {
    return guarded([&] {
        require(path != nullptr && out != nullptr, "path or out is null");
        if (!path_exists(path)) throw shim_error(VM_ERR_NOT_FOUND, std::string("file not found: ") + path);
        cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
        if (image.empty())
            throw shim_error(VM_ERR_OPEN, std::string("not a readable image (JPEG, PNG, BMP, TIFF, WebP): ") + path);
        auto* m = new vm_mat();
        m->mat = std::move(image);
        *out = m;
    });
}

vm_status vm_image_write(const char* path, const vm_mat* mat) {
    return guarded([&] {
        require(path != nullptr, "path is null");
        const cv::Mat& m = mat_of(mat);
        require(!m.empty(), "image is empty");
        if (!cv::imwrite(path, m)) throw shim_error(VM_ERR_OPEN, std::string("cannot write image: ") + path);
    });
}

vm_status vm_jpeg_encode(const vm_mat* mat, int32_t quality, uint8_t* buffer, int32_t capacity, int32_t* length) {
    // The encoder's scratch vector is per thread and keeps its capacity, so steady-state encoding
    // allocates nothing here; the caller's buffer is reused the same way on the managed side.
    thread_local std::vector<uchar> encoded;
    return guarded([&] {
        require(length != nullptr, "length is null");
        const cv::Mat& m = mat_of(mat);
        require(!m.empty(), "image is empty");
        require(quality >= 1 && quality <= 100, "JPEG quality must be 1..100");
        encoded.clear();
        if (!cv::imencode(".jpg", m, encoded, {cv::IMWRITE_JPEG_QUALITY, quality}))
            throw shim_error(VM_ERR_OPENCV, "JPEG encoding failed");
        *length = static_cast<int32_t>(encoded.size());
        if (buffer == nullptr || capacity < *length)
            throw shim_error(VM_ERR_BUFFER_TOO_SMALL, "JPEG buffer too small");
        std::memcpy(buffer, encoded.data(), encoded.size());
    });
}

vm_status vm_capture_open(const vm_capture_options* options, vm_capture** out) {
    return guarded([&] {
        require(options != nullptr && out != nullptr, "options or out is null");
        // FFmpeg would print every failed connection of a reconnect loop to stderr; the pipeline reports
        // each state change itself. Only fatal messages by default; a user's own setting wins (set before
        // OpenCV's FFmpeg backend first reads it, which is at the first open).
        static std::once_flag quiet_ffmpeg;
        std::call_once(quiet_ffmpeg, [] { setenv("OPENCV_FFMPEG_LOGLEVEL", "8", 0); });
        std::vector<int> params;
        if (options->open_timeout_ms > 0) {
            params.push_back(cv::CAP_PROP_OPEN_TIMEOUT_MSEC);
            params.push_back(options->open_timeout_ms);
        }
        if (options->read_timeout_ms > 0) {
            params.push_back(cv::CAP_PROP_READ_TIMEOUT_MSEC);
            params.push_back(options->read_timeout_ms);
        }
        auto* c = new vm_capture();
        bool opened = false;
        std::string what;
        try {
            if (options->source_kind == VM_SOURCE_DEVICE && options->device_index >= 0) {
                what = "camera " + std::to_string(options->device_index);
                opened = c->cap.open(options->device_index, options->backend, params);
            } else {
                require(options->uri != nullptr && options->uri[0] != '\0', "source is empty");
                what = options->uri;
                if (options->source_kind == VM_SOURCE_FILE && !path_exists(options->uri))
                    throw shim_error(VM_ERR_NOT_FOUND, "file not found: " + what);
                if (options->source_kind == VM_SOURCE_URL && options->rtsp_transport != VM_RTSP_DEFAULT) {
                    std::lock_guard<std::mutex> lock(ffmpeg_options_mutex);
                    const char* previous = std::getenv("OPENCV_FFMPEG_CAPTURE_OPTIONS");
                    std::string saved = previous ? previous : "";
                    std::string value = options->rtsp_transport == VM_RTSP_UDP ? "rtsp_transport;udp" : "rtsp_transport;tcp";
                    if (!saved.empty()) value = saved + "|" + value;
                    ::setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", value.c_str(), 1);
                    try {
                        opened = c->cap.open(options->uri, options->backend, params);
                    } catch (...) {
                        previous ? ::setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", saved.c_str(), 1) : ::unsetenv("OPENCV_FFMPEG_CAPTURE_OPTIONS");
                        throw;
                    }
                    previous ? ::setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", saved.c_str(), 1) : ::unsetenv("OPENCV_FFMPEG_CAPTURE_OPTIONS");
                } else {
                    opened = c->cap.open(options->uri, options->backend, params);
                }
            }
        } catch (...) {
            delete c;
            throw;
        }
        if (!opened || !c->cap.isOpened()) {
            delete c;
            throw shim_error(VM_ERR_OPEN, "cannot open " + what);
        }
        *out = c;
    });
}

vm_status vm_capture_release(vm_capture* capture) {
    return guarded([&] { delete capture; });
}

vm_status vm_capture_get_info(const vm_capture* capture, vm_capture_info* out) {
    return guarded([&] {
        require(capture != nullptr && out != nullptr, "capture or out is null");
        // cv::VideoCapture::get is non-const in the API although it does not change the stream.
        auto& cap = const_cast<cv::VideoCapture&>(capture->cap);
        out->width = static_cast<int32_t>(cap.get(cv::CAP_PROP_FRAME_WIDTH));
        out->height = static_cast<int32_t>(cap.get(cv::CAP_PROP_FRAME_HEIGHT));
        double fps = cap.get(cv::CAP_PROP_FPS);
        out->fps = std::isfinite(fps) && fps > 0 && fps < 1000 ? fps : 0.0;
        double count = cap.get(cv::CAP_PROP_FRAME_COUNT);
        out->frame_count = std::isfinite(count) && count > 0 ? static_cast<int64_t>(count) : -1;
        out->fourcc = static_cast<int32_t>(cap.get(cv::CAP_PROP_FOURCC));
        out->reserved = 0;
        std::string backend;
        try { backend = cap.getBackendName(); } catch (const cv::Exception&) { backend = "UNKNOWN"; }
        std::memset(out->backend, 0, sizeof(out->backend));
        std::strncpy(out->backend, backend.c_str(), sizeof(out->backend) - 1);
    });
}

vm_status vm_capture_read(vm_capture* capture, vm_mat* frame, vm_frame_info* info, int32_t* got) {
    return guarded([&] {
        require(capture != nullptr && got != nullptr, "capture or got is null");
        cv::Mat& m = mat_of(frame);
        // read() reuses m's buffer when the size and type match, so a pooled frame costs no allocation.
        *got = capture->cap.read(m) && !m.empty() ? 1 : 0;
        if (info != nullptr) {
            if (*got) {
                info->index = capture->frames_read++;
                double ms = capture->cap.get(cv::CAP_PROP_POS_MSEC);
                info->timestamp_ms = std::isfinite(ms) && ms >= 0 ? ms : -1.0;
                info->width = m.cols;
                info->height = m.rows;
            } else {
                info->index = -1;
                info->timestamp_ms = -1;
                info->width = 0;
                info->height = 0;
            }
        }
    });
}

vm_status vm_letterbox_to_tensor(const vm_mat* src, float* tensor, int32_t dst_width, int32_t dst_height, uint8_t pad_value,
                                 float scale, vm_letterbox* out) {
    // Scratch images are per thread and keep their buffers between calls: no steady-state allocation.
    thread_local cv::Mat bgr;
    thread_local cv::Mat resized;
    return guarded([&] {
        require(tensor != nullptr, "tensor is null");
        require(dst_width > 0 && dst_height > 0, "tensor size must be positive");
        const cv::Mat& input = mat_of(src);
        require(!input.empty(), "image is empty");
        require(input.depth() == CV_8U, "letterbox needs an 8-bit image");
        const cv::Mat* source = &input;
        if (input.channels() == 1) {
            cv::cvtColor(input, bgr, cv::COLOR_GRAY2BGR);
            source = &bgr;
        } else if (input.channels() == 4) {
            cv::cvtColor(input, bgr, cv::COLOR_BGRA2BGR);
            source = &bgr;
        } else {
            require(input.channels() == 3, "letterbox needs 1, 3 or 4 channels");
        }
        const float r = std::min(static_cast<float>(dst_width) / source->cols, static_cast<float>(dst_height) / source->rows);
        const int nw = std::max(1, std::min(dst_width, static_cast<int>(std::lround(source->cols * r))));
        const int nh = std::max(1, std::min(dst_height, static_cast<int>(std::lround(source->rows * r))));
        const int left = (dst_width - nw) / 2;
        const int top = (dst_height - nh) / 2;
        const cv::Mat* pixels = source;
        if (nw != source->cols || nh != source->rows) {
            cv::resize(*source, resized, cv::Size(nw, nh), 0, 0, cv::INTER_LINEAR);
            pixels = &resized;
        }

        // One pass from interleaved BGR bytes to planar RGB floats through a 256-entry table.
        float lut[256];
        for (int i = 0; i < 256; ++i) lut[i] = static_cast<float>(i) * scale;
        const float pad = lut[pad_value];
        const size_t plane = static_cast<size_t>(dst_width) * dst_height;
        float* red = tensor;
        float* green = tensor + plane;
        float* blue = tensor + 2 * plane;
        for (int y = 0; y < dst_height; ++y) {
            const size_t row = static_cast<size_t>(y) * dst_width;
            const int sy = y - top;
            if (sy < 0 || sy >= nh) {
                std::fill_n(red + row, dst_width, pad);
                std::fill_n(green + row, dst_width, pad);
                std::fill_n(blue + row, dst_width, pad);
                continue;
            }
            std::fill_n(red + row, left, pad);
            std::fill_n(green + row, left, pad);
            std::fill_n(blue + row, left, pad);
            const uint8_t* p = pixels->ptr<uint8_t>(sy);
            float* r_out = red + row + left;
            float* g_out = green + row + left;
            float* b_out = blue + row + left;
            for (int x = 0; x < nw; ++x, p += 3) {
                b_out[x] = lut[p[0]];
                g_out[x] = lut[p[1]];
                r_out[x] = lut[p[2]];
            }
            const int right = dst_width - left - nw;
            std::fill_n(red + row + left + nw, right, pad);
            std::fill_n(green + row + left + nw, right, pad);
            std::fill_n(blue + row + left + nw, right, pad);
        }
        if (out != nullptr) {
            out->scale = r;
            out->pad_left = left;
            out->pad_top = top;
            out->resized_width = nw;
            out->resized_height = nh;
            out->reserved = 0;
        }
    });
}

vm_status vm_draw_rectangle(vm_mat* mat, int32_t x1, int32_t y1, int32_t x2, int32_t y2, vm_color color, int32_t thickness) {
    return guarded([&] {
        cv::rectangle(bgr_target(mat), cv::Point(x1, y1), cv::Point(x2, y2), scalar_of(color), thickness, cv::LINE_AA);
    });
}

vm_status vm_draw_line(vm_mat* mat, int32_t x1, int32_t y1, int32_t x2, int32_t y2, vm_color color, int32_t thickness) {
    return guarded([&] {
        require(thickness > 0, "line thickness must be positive");
        cv::line(bgr_target(mat), cv::Point(x1, y1), cv::Point(x2, y2), scalar_of(color), thickness, cv::LINE_AA);
    });
}

vm_status vm_draw_circle(vm_mat* mat, int32_t cx, int32_t cy, int32_t radius, vm_color color, int32_t thickness) {
    return guarded([&] {
        require(radius >= 0, "radius must not be negative");
        cv::circle(bgr_target(mat), cv::Point(cx, cy), radius, scalar_of(color), thickness, cv::LINE_AA);
    });
}

vm_status vm_draw_fill_poly(vm_mat* mat, const vm_point* points, int32_t count, vm_color color) {
    return guarded([&] {
        cv::Mat& image = bgr_target(mat);
        require(points != nullptr && count >= 3, "a polygon needs at least 3 points");
        std::vector<cv::Point> poly(count);
        for (int i = 0; i < count; ++i) poly[i] = cv::Point(points[i].x, points[i].y);
        if (color.a == 255) {
            cv::fillPoly(image, std::vector<std::vector<cv::Point>>{poly}, scalar_of(color), cv::LINE_AA);
            return;
        }
        // Blend only inside the polygon's bounding box: the rest of the frame is untouched.
        cv::Rect box = cv::boundingRect(poly) & cv::Rect(0, 0, image.cols, image.rows);
        if (box.empty()) return;
        cv::Mat roi = image(box);
        cv::Mat mask = cv::Mat::zeros(box.size(), CV_8UC1);
        for (auto& p : poly) p -= box.tl();
        cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255), cv::LINE_8);
        const int a = color.a;
        for (int y = 0; y < roi.rows; ++y) {
            uint8_t* px = roi.ptr<uint8_t>(y);
            const uint8_t* m = mask.ptr<uint8_t>(y);
            for (int x = 0; x < roi.cols; ++x, px += 3) {
                if (!m[x]) continue;
                px[0] = static_cast<uint8_t>((px[0] * (255 - a) + color.b * a + 127) / 255);
                px[1] = static_cast<uint8_t>((px[1] * (255 - a) + color.g * a + 127) / 255);
                px[2] = static_cast<uint8_t>((px[2] * (255 - a) + color.r * a + 127) / 255);
            }
        }
    });
}

vm_status vm_draw_mask(vm_mat* mat, const uint8_t* mask, int32_t mask_width, int32_t mask_height, int32_t left, int32_t top,
                       vm_color color) {
    return guarded([&] {
        cv::Mat& image = bgr_target(mat);
        require(mask != nullptr && mask_width > 0 && mask_height > 0, "mask is empty");
        const int x0 = std::max(0, left), y0 = std::max(0, top);
        const int x1 = std::min(image.cols, left + mask_width), y1 = std::min(image.rows, top + mask_height);
        const int a = color.a;
        for (int y = y0; y < y1; ++y) {
            uint8_t* px = image.ptr<uint8_t>(y) + static_cast<size_t>(x0) * 3;
            const uint8_t* m = mask + static_cast<size_t>(y - top) * mask_width + (x0 - left);
            for (int x = x0; x < x1; ++x, px += 3, ++m) {
                if (!*m) continue;
                px[0] = static_cast<uint8_t>((px[0] * (255 - a) + color.b * a + 127) / 255);
                px[1] = static_cast<uint8_t>((px[1] * (255 - a) + color.g * a + 127) / 255);
                px[2] = static_cast<uint8_t>((px[2] * (255 - a) + color.r * a + 127) / 255);
            }
        }
    });
}

vm_status vm_draw_text(vm_mat* mat, const char* text, int32_t x, int32_t y, double font_scale, int32_t thickness, vm_color color,
                       vm_color background, int32_t* width, int32_t* height) {
    return guarded([&] {
        cv::Mat& image = bgr_target(mat);
        require(text != nullptr, "text is null");
        require(font_scale > 0 && thickness > 0, "font scale and thickness must be positive");
        int baseline = 0;
        const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font_scale, thickness, &baseline);
        const int pad = std::max(1, thickness);
        const int box_w = size.width + 2 * pad;
        const int box_h = size.height + baseline + 2 * pad;
        // Keep the label on screen: a box that would start above the frame moves below the anchor.
        int box_top = y - size.height - 2 * pad;
        if (box_top < 0) box_top = std::min(y, std::max(0, image.rows - box_h));
        int box_left = std::clamp(x, 0, std::max(0, image.cols - box_w));
        if (background.a > 0)
            cv::rectangle(image, cv::Rect(box_left, box_top, box_w, box_h), scalar_of(background), cv::FILLED);
        cv::putText(image, text, cv::Point(box_left + pad, box_top + pad + size.height), cv::FONT_HERSHEY_SIMPLEX, font_scale,
                    scalar_of(color), thickness, cv::LINE_AA);
        if (width) *width = box_w;
        if (height) *height = box_h;
    });
}

}  // extern "C"
