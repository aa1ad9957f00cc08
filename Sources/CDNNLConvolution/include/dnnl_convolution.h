// A 2-D convolution in oneDNN (Debian's libdnnl, the library PyTorch uses on CPU) for one fixed
// shape and batch size, on GraphPrune's layouts: activations batch × C × H × W (NCHW) or, where
// the shape says so, channel-blocked batch × C/16 × H × W × 16 (oneDNN's nChw16c, C a multiple
// of 16); weights F × C/g × kh × kw (OIHW; GOIHW for g > 1 groups, the same storage), biases F.
// oneDNN computes in the blocked layouts it picks for the shape; the reorders between them and
// the caller's layouts happen inside each call (none where they agree).
#ifndef GRAPHPRUNE_DNNL_CONVOLUTION_H
#define GRAPHPRUNE_DNNL_CONVOLUTION_H

#include <stddef.h>
#include <stdint.h>

typedef struct gp_conv_shape {
    int64_t batch, channels, height, width, filters;
    int64_t kernel_height, kernel_width, stride_height, stride_width;
    int64_t dilation_height, dilation_width;  // 1 = adjacent taps
    int64_t pad_top, pad_left, pad_bottom, pad_right, groups;
    int64_t threads;  // OpenMP threads the primitives are built for and run on (0: OpenMP's default)
    int has_bias;
    // 1: the input (and ∂L/∂input) or the output (and ∂L/∂output) is channel-blocked nChw16c.
    int src_blocked, dst_blocked;
    // 1: the forward writes max(0, conv(x, w) + b) (a ReLU fused as oneDNN's post-op).
    int fuse_relu;
} gp_conv_shape;

typedef struct gp_conv gp_conv;

/// The forward primitive of a convolution of this shape (loading libdnnl.so.2 on the first call) (the backward-data and backward-weights
/// ones follow on the first gp_conv_backward), or NULL with a one-line reason in `error` (a shape
/// oneDNN rejects, or no memory).
gp_conv *gp_conv_create(const gp_conv_shape *shape, char *error, size_t error_size);
void gp_conv_destroy(gp_conv *conv);

/// `y = conv(x, w) + b` (`b` ignored without a bias), or with `fuse_relu` `y = max(0, conv(x, w) + b)`.
/// Returns 0, or a oneDNN status.
int gp_conv_forward(gp_conv *conv, const float *x, const float *w, const float *b, float *y);

/// `dw = ∂L/∂W`, `db = ∂L/∂b` (with a bias) from the input `x` and `dy = ∂L/∂y`; and when `dx`
/// is not NULL, `dx = ∂L/∂x` from `w` and `dy`. Overwrites, never accumulates. Returns 0, or a
/// oneDNN status (also when the backward primitives cannot be built).
int gp_conv_backward(gp_conv *conv, const float *x, const float *w, const float *dy, float *dw, float *db, float *dx);

/// Runs `body(context, chunk)` once for every chunk in 0 ..< chunks on OpenMP's threads (the
/// team oneDNN's convolutions run on, at most `chunks` threads, each taking chunks t, t + n, …)
/// and returns 1 when all have run; returns 0 without running any when OpenMP is not loaded
/// (no convolution has been built in this process).
int gp_openmp_parallel(long chunks, void (*body)(void *context, long chunk), void *context);

/// oneDNN's name for the forward implementation it chose, e.g. "jit:avx512_core".
const char *gp_conv_implementation(const gp_conv *conv);

#endif
