/*
 * VideoMtl native shim: a small C ABI over OpenCV 4.x.
 *
 * Rules every export follows (the managed side relies on them):
 *   - returns vm_status (0 = ok); nothing else signals failure;
 *   - no C++ exception crosses the boundary: bodies run inside a try-wrapper and the message is kept
 *     in a thread-local buffer readable with vm_last_error() on the same thread;
 *   - only plain-data structs pass through (their sizes are pinned with static_assert in the .cpp and
 *     mirrored 1:1 by the managed structs); cv:: types never cross by value;
 *   - objects are opaque pointers owned by the caller, freed by the matching *_release export.
 */
#ifndef VIDEOMTL_NATIVE_H
#define VIDEOMTL_NATIVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VM_EXPORT __attribute__((visibility("default")))

typedef int32_t vm_status;
enum {
    VM_OK = 0,
    VM_ERR_ARGUMENT = 1,      /* a null pointer, a bad size or an invalid option */
    VM_ERR_OPEN = 2,          /* a file, device or stream could not be opened */
    VM_ERR_OPENCV = 3,        /* cv::Exception */
    VM_ERR_BUFFER_TOO_SMALL = 4,
    VM_ERR_NOT_FOUND = 5,     /* a file that does not exist */
    VM_ERR_UNKNOWN = 99
};

typedef struct vm_mat vm_mat;
typedef struct vm_capture vm_capture;

/* Where a capture reads from; decides how uri/device_index are used. */
enum { VM_SOURCE_FILE = 0, VM_SOURCE_DEVICE = 1, VM_SOURCE_URL = 2 };
/* Backend preference, values equal to cv::VideoCaptureAPIs. */
enum { VM_BACKEND_ANY = 0, VM_BACKEND_V4L2 = 200, VM_BACKEND_FFMPEG = 1900, VM_BACKEND_GSTREAMER = 1800, VM_BACKEND_IMAGES = 2000 };
/* RTSP transport for FFmpeg URLs. */
enum { VM_RTSP_DEFAULT = 0, VM_RTSP_TCP = 1, VM_RTSP_UDP = 2 };

typedef struct vm_capture_options {
    const char* uri;          /* file path or URL (UTF-8); ignored for VM_SOURCE_DEVICE with device_index >= 0 */
    int32_t source_kind;      /* VM_SOURCE_* */
    int32_t device_index;     /* V4L2 index for VM_SOURCE_DEVICE, else -1 */
    int32_t backend;          /* VM_BACKEND_* */
    int32_t open_timeout_ms;  /* 0 = backend default */
    int32_t read_timeout_ms;  /* 0 = backend default */
    int32_t rtsp_transport;   /* VM_RTSP_* */
    int32_t reserved;
} vm_capture_options;

typedef struct vm_capture_info {
    int32_t width;
    int32_t height;
    double fps;               /* 0 when unknown */
    int64_t frame_count;      /* -1 when unknown (live sources) */
    int32_t fourcc;
    int32_t reserved;
    char backend[32];         /* NUL-terminated backend name, e.g. "FFMPEG" */
} vm_capture_info;

typedef struct vm_frame_info {
    int64_t index;            /* 0-based index of the frame just read, -1 when the backend does not say */
    double timestamp_ms;      /* presentation time of the frame just read, -1 when unknown */
    int32_t width;
    int32_t height;
} vm_frame_info;

typedef struct vm_mat_info {
    int32_t width;
    int32_t height;
    int32_t channels;
    int32_t depth;            /* cv depth: 0 = 8U, 5 = 32F */
    int64_t step;             /* bytes per row */
    void* data;
} vm_mat_info;

typedef struct vm_color { uint8_t b, g, r, a; } vm_color;
typedef struct vm_point { int32_t x, y; } vm_point;

typedef struct vm_letterbox {
    float scale;              /* source pixels * scale = tensor pixels */
    int32_t pad_left;
    int32_t pad_top;
    int32_t resized_width;
    int32_t resized_height;
    int32_t reserved;
} vm_letterbox;

/* ---- errors and build info ---- */
VM_EXPORT const char* vm_last_error(void);
VM_EXPORT vm_status vm_opencv_version(char* buffer, int32_t capacity);
/* Comma-separated names of the video I/O backends compiled into OpenCV (e.g. "FFMPEG,GSTREAMER,V4L2"). */
VM_EXPORT vm_status vm_video_backends(char* buffer, int32_t capacity);

/* ---- images (cv::Mat) ---- */
VM_EXPORT vm_status vm_mat_create(int32_t width, int32_t height, int32_t channels, vm_mat** out);
/* Makes mat a width x height image of channels 8-bit channels, reusing its buffer when it already is one. */
VM_EXPORT vm_status vm_mat_ensure(vm_mat* mat, int32_t width, int32_t height, int32_t channels);
VM_EXPORT vm_status vm_mat_release(vm_mat* mat);
VM_EXPORT vm_status vm_mat_get_info(const vm_mat* mat, vm_mat_info* out);
VM_EXPORT vm_status vm_mat_copy_to(const vm_mat* src, vm_mat* dst);
/* Scales src to fit width x height keeping its aspect ratio, centred on black, into dst (8-bit BGR). */
VM_EXPORT vm_status vm_mat_fit_into(const vm_mat* src, vm_mat* dst, int32_t width, int32_t height);
/* Reads a JPEG/PNG/... file as 8-bit BGR. */
VM_EXPORT vm_status vm_image_read(const char* path, vm_mat** out);
VM_EXPORT vm_status vm_image_write(const char* path, const vm_mat* mat);
/* Encodes as JPEG into the caller's buffer; *length gets the size (or the size needed). */
VM_EXPORT vm_status vm_jpeg_encode(const vm_mat* mat, int32_t quality, uint8_t* buffer, int32_t capacity, int32_t* length);

/* ---- capture ---- */
VM_EXPORT vm_status vm_capture_open(const vm_capture_options* options, vm_capture** out);
VM_EXPORT vm_status vm_capture_release(vm_capture* capture);
VM_EXPORT vm_status vm_capture_get_info(const vm_capture* capture, vm_capture_info* out);
/* Reads the next frame into frame (reallocated only when the size changes). *got = 0 at end of stream. */
VM_EXPORT vm_status vm_capture_read(vm_capture* capture, vm_mat* frame, vm_frame_info* info, int32_t* got);

/* ---- preprocessing ---- */
/* Letterbox-resizes src (BGR, gray or BGRA, 8-bit) to fit dst_width x dst_height, pads with pad_value,
 * and writes planar RGB float (value * scale, e.g. 1/255) into tensor[3 * dst_height * dst_width]. */
VM_EXPORT vm_status vm_letterbox_to_tensor(const vm_mat* src, float* tensor, int32_t dst_width, int32_t dst_height,
                                           uint8_t pad_value, float scale, vm_letterbox* out);

/* ---- drawing (in place, 8-bit BGR) ---- */
VM_EXPORT vm_status vm_draw_rectangle(vm_mat* mat, int32_t x1, int32_t y1, int32_t x2, int32_t y2, vm_color color, int32_t thickness);
VM_EXPORT vm_status vm_draw_line(vm_mat* mat, int32_t x1, int32_t y1, int32_t x2, int32_t y2, vm_color color, int32_t thickness);
VM_EXPORT vm_status vm_draw_circle(vm_mat* mat, int32_t cx, int32_t cy, int32_t radius, vm_color color, int32_t thickness);
/* Fills a polygon; color.a < 255 blends it over the image with alpha a/255. */
VM_EXPORT vm_status vm_draw_fill_poly(vm_mat* mat, const vm_point* points, int32_t count, vm_color color);
/* Blends color (alpha a/255) where mask[y * mask_width + x] != 0; the mask's top-left sits at (left, top). */
VM_EXPORT vm_status vm_draw_mask(vm_mat* mat, const uint8_t* mask, int32_t mask_width, int32_t mask_height,
                                 int32_t left, int32_t top, vm_color color);
/* Text whose baseline-left is at (x, y), on a filled background box; width and height get the box size. */
VM_EXPORT vm_status vm_draw_text(vm_mat* mat, const char* text, int32_t x, int32_t y, double font_scale, int32_t thickness,
                                 vm_color color, vm_color background, int32_t* width, int32_t* height);

#ifdef __cplusplus
}
#endif

#endif
