#ifndef LECTERN_CFFMPEG_SHIM_H
#define LECTERN_CFFMPEG_SHIM_H
#include <errno.h>
#include <string.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/avutil.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

// Swift cannot import function-like or compound-literal macros; these inline functions stand in for them.

static inline int lectern_averror(int posixError) { return AVERROR(posixError); }
static inline int lectern_averror_eof(void) { return AVERROR_EOF; }
static inline int lectern_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int lectern_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int lectern_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int64_t lectern_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational lectern_time_base_q(void) { return AV_TIME_BASE_Q; }

/// `av_err2str` is a macro around a compound literal; this writes into a caller-owned buffer instead.
static inline void lectern_error_string(int code, char *buffer, size_t size) {
    av_make_error_string(buffer, size, code);
}

static inline AVChannelLayout lectern_channel_layout_stereo(void) {
    AVChannelLayout layout = AV_CHANNEL_LAYOUT_STEREO;
    return layout;
}

/// The display matrix lives in stream side data in FFmpeg 5.1; returns NAN when there is none.
static inline double lectern_stream_display_rotation(const AVStream *stream) {
    size_t size = 0;
    const uint8_t *matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (matrix == NULL || size < 9 * sizeof(int32_t)) return NAN;
    return av_display_rotation_get((const int32_t *)matrix);
}

/// Copies the stream's display matrix (FFmpeg 5.1 keeps it in stream side data) into `out`; 0 when there is none.
static inline int lectern_stream_display_matrix(const AVStream *stream, int32_t out[9]) {
    size_t size = 0;
    const uint8_t *matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (matrix == NULL || size < 9 * sizeof(int32_t)) return 0;
    memcpy(out, matrix, 9 * sizeof(int32_t));
    return 1;
}

/// Lowers (positive `nice`) the calling thread's CPU priority; Linux schedules threads individually. 0 or -1.
static inline int lectern_set_thread_nice(int nice) {
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

#endif
