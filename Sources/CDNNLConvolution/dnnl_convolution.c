// oneDNN convolution primitives for GraphPrune's Conv2D (see include/dnnl_convolution.h).
// The only C that talks to oneDNN: engine and stream, primitive descriptors, the memory objects
// wrapping the caller's buffers, and the reorders between their layouts and the ones oneDNN chose.
#include "dnnl_convolution.h"

#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// oneDNN is loaded at the first convolution (dlopen), not at process start: commands that never
// convolve do not map it (40 MB, with OpenMP and the OpenCL loader it brings), and a machine
// without it runs GraphPrune's own im2col convolutions (the reason is the layer's
// `implementation`, which `bench --workload training` prints).
#define DNNL_FUNCTIONS(X) \
    X(dnnl_dilated_convolution_backward_data_desc_init) \
    X(dnnl_dilated_convolution_backward_weights_desc_init) \
    X(dnnl_dilated_convolution_forward_desc_init) \
    X(dnnl_engine_create) \
    X(dnnl_memory_create) \
    X(dnnl_memory_desc_equal) \
    X(dnnl_memory_desc_get_size) \
    X(dnnl_memory_desc_init_by_tag) \
    X(dnnl_memory_destroy) \
    X(dnnl_memory_set_data_handle) \
    X(dnnl_post_ops_append_eltwise) \
    X(dnnl_post_ops_create) \
    X(dnnl_post_ops_destroy) \
    X(dnnl_primitive_attr_create) \
    X(dnnl_primitive_attr_destroy) \
    X(dnnl_primitive_attr_set_post_ops) \
    X(dnnl_primitive_create) \
    X(dnnl_primitive_desc_create) \
    X(dnnl_primitive_desc_destroy) \
    X(dnnl_primitive_desc_query) \
    X(dnnl_primitive_desc_query_md) \
    X(dnnl_primitive_destroy) \
    X(dnnl_primitive_execute) \
    X(dnnl_reorder_primitive_desc_create) \
    X(dnnl_stream_create) \
    X(dnnl_stream_wait)

static struct {
#define DECLARE(name) __typeof__(&name) name;
    DNNL_FUNCTIONS(DECLARE)
#undef DECLARE
} api;

static char load_error[200];
// libgomp's omp_set_num_threads, resolved once oneDNN has loaded it (NULL if absent), and what
// gp_openmp_parallel runs a parallel region with (all NULL unless all three are there).
static void (*set_openmp_threads)(int);
static void (*gomp_parallel)(void (*)(void *), void *, unsigned, unsigned);
static int (*openmp_thread_number)(void), (*openmp_team_size)(void);
// Set (release) once the three are resolved; gp_openmp_parallel reads it (acquire) from any thread.
static atomic_int openmp_ready;

static int load_library(void) {
    void *library = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        snprintf(load_error, sizeof load_error, "oneDNN: cannot load libdnnl.so.2 (%s)", dlerror());
        return 0;
    }
#define RESOLVE(name)                                                                        \
    if (!(api.name = (__typeof__(&name))dlsym(library, #name))) {                          \
        snprintf(load_error, sizeof load_error, "oneDNN: libdnnl.so.2 has no " #name);      \
        return 0;                                                                            \
    }
    DNNL_FUNCTIONS(RESOLVE)
#undef RESOLVE
    set_openmp_threads = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    void *parallel = dlsym(RTLD_DEFAULT, "GOMP_parallel"), *number = dlsym(RTLD_DEFAULT, "omp_get_thread_num"),
         *size = dlsym(RTLD_DEFAULT, "omp_get_num_threads");
    if (parallel && number && size) {
        openmp_thread_number = (int (*)(void))number;
        openmp_team_size = (int (*)(void))size;
        gomp_parallel = (void (*)(void (*)(void *), void *, unsigned, unsigned))parallel;
        atomic_store_explicit(&openmp_ready, 1, memory_order_release);
    }
    return 1;
}

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static dnnl_status_t engine_status = dnnl_success;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void create_engine(void) {
    if (!load_library()) {
        engine_status = dnnl_runtime_error;
        return;
    }
    engine_status = api.dnnl_engine_create(&engine, dnnl_cpu, 0);
    if (engine_status == dnnl_success) engine_status = api.dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
}

// OpenMP's thread count is per calling thread, and oneDNN sizes a primitive's work split by it
// when the primitive is built; so every build and every call sets the convolution's own count on
// the thread that runs it, whichever thread that is and whatever it ran before.
static void use_threads(const gp_conv *conv);

// A tensor the caller passes in its layout (`user`, its handle set per call) and the memory
// the primitive reads or writes (`primitive`: the same object when the layouts agree, else
// `bytes` of the calling thread's arena at `offset`, with a reorder from or to `user`).
typedef struct port {
    dnnl_memory_t user, primitive;
    dnnl_primitive_t reorder;
    size_t bytes, offset;
} port;

// The blocked copies live only during one call, so all convolutions on a thread share one arena,
// as large as the largest call needs, instead of a copy per layer and batch size (evaluating
// ResNet-20 on FashionMNIST's 10 000 test images in batches of 1000: 3.76 GB peak memory with a
// copy per layer, 2.63 GB with the arena, most of it the activations). Freed when the thread ends.
static pthread_key_t arena_key;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;
static _Thread_local void *arena;
static _Thread_local size_t arena_bytes;

static void free_arena(void *memory) { free(memory); }
static void create_arena_key(void) { pthread_key_create(&arena_key, free_arena); }

static char *reserve_arena(size_t bytes) {
    if (bytes <= arena_bytes) return arena;
    pthread_once(&arena_once, create_arena_key);
    free(arena);
    arena_bytes = 0;
    arena = aligned_alloc(64, bytes);
    pthread_setspecific(arena_key, arena);
    if (arena) arena_bytes = bytes;
    return arena;
}

// Places a port's blocked copy after the others of its pass (64-byte aligned offsets).
static void place(port *p, size_t *total) {
    if (!p->reorder) return;
    p->offset = *total;
    *total += (p->bytes + 63) / 64 * 64;
}

// Points the blocked copies of `ports` into this thread's arena; 0 if there is no memory for it.
static dnnl_status_t attach(port *const *ports, size_t count, size_t total) {
    char *base = reserve_arena(total);
    if (!base && total > 0) return dnnl_out_of_memory;
    for (size_t i = 0; i < count; i++) {
        if (!ports[i]->reorder) continue;
        dnnl_status_t status = api.dnnl_memory_set_data_handle(ports[i]->primitive, base + ports[i]->offset);
        if (status != dnnl_success) return status;
    }
    return dnnl_success;
}

struct gp_conv {
    int has_bias;
    int threads;
    // The backward primitives are built on the first backward (an evaluation batch never needs
    // them, nor their buffers); the forward's descriptor is their hint.
    dnnl_primitive_desc_t forward_pd;
    dnnl_memory_desc_t user_src, user_dst, user_weights, user_bias, any_src, any_dst, any_weights;
    dnnl_dims_t strides, dilates, pad_l, pad_r;
    int backward_ready;
    // Backward data reads ∂L/∂y in the layout backward weights already reordered it to.
    int shares_diff_dst;
    // Arena bytes the blocked copies of each pass take.
    size_t forward_bytes, backward_bytes;
    dnnl_primitive_t forward, backward_data, backward_weights;
    char implementation[64];
    // forward: x → (primitive) → y
    port fwd_src, fwd_weights, fwd_bias, fwd_dst;
    // backward weights: x, dy → dw, db
    port bww_src, bww_diff_dst, bww_diff_weights, bww_diff_bias;
    // backward data: dy, w → dx
    port bwd_diff_dst, bwd_weights, bwd_diff_src;
};

// The ports of each pass, in the order their blocked copies sit in the arena.
enum { forward_port_count = 4, backward_port_count = 7 };
static void forward_ports(gp_conv *c, port *out[forward_port_count]) {
    port *ports[] = {&c->fwd_src, &c->fwd_weights, &c->fwd_bias, &c->fwd_dst};
    memcpy(out, ports, sizeof ports);
}
static void backward_ports(gp_conv *c, port *out[backward_port_count]) {
    port *ports[] = {&c->bww_src, &c->bww_diff_dst, &c->bww_diff_weights, &c->bww_diff_bias,
                     &c->bwd_diff_dst, &c->bwd_weights, &c->bwd_diff_src};
    memcpy(out, ports, sizeof ports);
}


#define CHECK(call)                                                                       \
    do {                                                                                  \
        dnnl_status_t status_ = (call);                                                   \
        if (status_ != dnnl_success) {                                                    \
            snprintf(error, error_size, "oneDNN: %s failed with status %d", #call, (int)status_); \
            goto fail;                                                                    \
        }                                                                                 \
    } while (0)

// `incoming`: the reorder runs user → primitive before the primitive; else primitive → user after.
static dnnl_status_t make_port(port *p, const dnnl_memory_desc_t *user, const dnnl_memory_desc_t *chosen, int incoming) {
    dnnl_status_t status = api.dnnl_memory_create(&p->user, user, engine, DNNL_MEMORY_NONE);
    if (status != dnnl_success) return status;
    if (api.dnnl_memory_desc_equal(user, chosen)) {
        p->primitive = p->user;
        return dnnl_success;
    }
    p->bytes = api.dnnl_memory_desc_get_size(chosen);
    status = api.dnnl_memory_create(&p->primitive, chosen, engine, DNNL_MEMORY_NONE);
    if (status != dnnl_success) return status;
    dnnl_primitive_desc_t reorder_pd;
    status = incoming ? api.dnnl_reorder_primitive_desc_create(&reorder_pd, user, engine, chosen, engine, NULL)
                      : api.dnnl_reorder_primitive_desc_create(&reorder_pd, chosen, engine, user, engine, NULL);
    if (status != dnnl_success) return status;
    status = api.dnnl_primitive_create(&p->reorder, reorder_pd);
    api.dnnl_primitive_desc_destroy(reorder_pd);
    return status;
}

static void destroy_port(port *p) {
    if (p->reorder) api.dnnl_primitive_destroy(p->reorder);
    if (p->primitive && p->primitive != p->user) api.dnnl_memory_destroy(p->primitive);
    if (p->user) api.dnnl_memory_destroy(p->user);
}

static dnnl_status_t reorder(const port *p, int incoming) {
    if (!p->reorder) return dnnl_success;
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, incoming ? p->user : p->primitive}, {DNNL_ARG_TO, incoming ? p->primitive : p->user}};
    return api.dnnl_primitive_execute(p->reorder, stream, 2, args);
}

static dnnl_status_t bind(const port *p, const void *data, int incoming) {
    dnnl_status_t status = api.dnnl_memory_set_data_handle(p->user, (void *)data);
    if (status != dnnl_success || !incoming) return status;
    return reorder(p, 1);
}

// The fused ReLU's attributes are needed only while the forward's descriptor is created.
static void release_attr(dnnl_primitive_attr_t attr, dnnl_post_ops_t post_ops) {
    if (post_ops) api.dnnl_post_ops_destroy(post_ops);
    if (attr) api.dnnl_primitive_attr_destroy(attr);
}

gp_conv *gp_conv_create(const gp_conv_shape *s, char *error, size_t error_size) {
    pthread_once(&engine_once, create_engine);
    if (engine_status != dnnl_success) {
        if (load_error[0]) snprintf(error, error_size, "%s", load_error);
        else snprintf(error, error_size, "oneDNN: cannot create the CPU engine (status %d)", (int)engine_status);
        return NULL;
    }
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t post_ops = NULL;
    gp_conv *conv = calloc(1, sizeof(gp_conv));
    if (!conv) {
        snprintf(error, error_size, "oneDNN: no memory for a convolution");
        return NULL;
    }
    conv->has_bias = s->has_bias;
    conv->threads = (int)s->threads;
    use_threads(conv);
    const int64_t g = s->groups;
    const int64_t out_h = (s->height + s->pad_top + s->pad_bottom - s->dilation_height * (s->kernel_height - 1) - 1) / s->stride_height + 1;
    const int64_t out_w = (s->width + s->pad_left + s->pad_right - s->dilation_width * (s->kernel_width - 1) - 1) / s->stride_width + 1;
    dnnl_dims_t src_dims = {s->batch, s->channels, s->height, s->width};
    dnnl_dims_t dst_dims = {s->batch, s->filters, out_h, out_w};
    dnnl_dims_t bias_dims = {s->filters};
    dnnl_dims_t weight_dims = {g, s->filters / g, s->channels / g, s->kernel_height, s->kernel_width};
    conv->strides[0] = s->stride_height, conv->strides[1] = s->stride_width;
    conv->dilates[0] = s->dilation_height - 1, conv->dilates[1] = s->dilation_width - 1;
    conv->pad_l[0] = s->pad_top, conv->pad_l[1] = s->pad_left;
    conv->pad_r[0] = s->pad_bottom, conv->pad_r[1] = s->pad_right;
    const int weight_ndims = g > 1 ? 5 : 4;
    const int64_t *wdims = g > 1 ? weight_dims : weight_dims + 1;

    CHECK(api.dnnl_memory_desc_init_by_tag(&conv->user_src, 4, src_dims, dnnl_f32, s->src_blocked ? dnnl_nChw16c : dnnl_nchw));
    CHECK(api.dnnl_memory_desc_init_by_tag(&conv->user_dst, 4, dst_dims, dnnl_f32, s->dst_blocked ? dnnl_nChw16c : dnnl_nchw));
    CHECK(api.dnnl_memory_desc_init_by_tag(&conv->user_weights, weight_ndims, wdims, dnnl_f32, g > 1 ? dnnl_goihw : dnnl_oihw));
    CHECK(api.dnnl_memory_desc_init_by_tag(&conv->user_bias, 1, bias_dims, dnnl_f32, dnnl_x));
    CHECK(api.dnnl_memory_desc_init_by_tag(&conv->any_src, 4, src_dims, dnnl_f32, dnnl_format_tag_any));
    CHECK(api.dnnl_memory_desc_init_by_tag(&conv->any_dst, 4, dst_dims, dnnl_f32, dnnl_format_tag_any));
    CHECK(api.dnnl_memory_desc_init_by_tag(&conv->any_weights, weight_ndims, wdims, dnnl_f32, dnnl_format_tag_any));

    dnnl_convolution_desc_t forward_desc;
    CHECK(api.dnnl_dilated_convolution_forward_desc_init(
        &forward_desc, dnnl_forward_training, dnnl_convolution_direct, &conv->any_src, &conv->any_weights,
        s->has_bias ? &conv->user_bias : NULL, &conv->any_dst, conv->strides, conv->dilates, conv->pad_l, conv->pad_r));
    if (s->fuse_relu) {
        CHECK(api.dnnl_primitive_attr_create(&attr));
        CHECK(api.dnnl_post_ops_create(&post_ops));
        CHECK(api.dnnl_post_ops_append_eltwise(post_ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f));
        CHECK(api.dnnl_primitive_attr_set_post_ops(attr, post_ops));
    }
    CHECK(api.dnnl_primitive_desc_create(&conv->forward_pd, &forward_desc, attr, engine, NULL));
    CHECK(api.dnnl_primitive_create(&conv->forward, conv->forward_pd));
    const char *name = "";
    api.dnnl_primitive_desc_query(conv->forward_pd, dnnl_query_impl_info_str, 0, &name);
    snprintf(conv->implementation, sizeof conv->implementation, "%s", name);
    const_dnnl_primitive_desc_t pd = conv->forward_pd;
    CHECK(make_port(&conv->fwd_src, &conv->user_src, api.dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), 1));
    CHECK(make_port(&conv->fwd_weights, &conv->user_weights, api.dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), 1));
    if (s->has_bias) CHECK(make_port(&conv->fwd_bias, &conv->user_bias, api.dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1), 1));
    CHECK(make_port(&conv->fwd_dst, &conv->user_dst, api.dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), 0));
    port *ports[forward_port_count];
    forward_ports(conv, ports);
    for (size_t i = 0; i < forward_port_count; i++) place(ports[i], &conv->forward_bytes);
    release_attr(attr, post_ops);
    return conv;
fail:
    release_attr(attr, post_ops);
    gp_conv_destroy(conv);
    return NULL;
}

// Releases the backward primitives and ports (built or half-built) and forgets them.
static void destroy_backward(gp_conv *conv) {
    if (conv->backward_data) api.dnnl_primitive_destroy(conv->backward_data);
    if (conv->backward_weights) api.dnnl_primitive_destroy(conv->backward_weights);
    conv->backward_data = conv->backward_weights = NULL;
    port *ports[backward_port_count];
    backward_ports(conv, ports);
    for (size_t i = 0; i < backward_port_count; i++) {
        destroy_port(ports[i]);
        memset(ports[i], 0, sizeof *ports[i]);
    }
    conv->backward_bytes = 0;
    conv->backward_ready = 0;
}

// The backward-data and backward-weights primitives and their ports, once.
static dnnl_status_t prepare_backward(gp_conv *conv) {
    if (conv->backward_ready) return dnnl_success;
    use_threads(conv);
    dnnl_status_t status = dnnl_success;
    dnnl_primitive_desc_t data_pd = NULL, weights_pd = NULL;
    dnnl_convolution_desc_t data_desc, weights_desc;
#undef CHECK
#define CHECK(call)                                       \
    do {                                                  \
        status = (call);                                  \
        if (status != dnnl_success) goto done;            \
    } while (0)
    CHECK(api.dnnl_dilated_convolution_backward_weights_desc_init(
        &weights_desc, dnnl_convolution_direct, &conv->any_src, &conv->any_weights, conv->has_bias ? &conv->user_bias : NULL,
        &conv->any_dst, conv->strides, conv->dilates, conv->pad_l, conv->pad_r));
    CHECK(api.dnnl_primitive_desc_create(&weights_pd, &weights_desc, NULL, engine, conv->forward_pd));
    CHECK(api.dnnl_primitive_create(&conv->backward_weights, weights_pd));
    CHECK(make_port(&conv->bww_src, &conv->user_src, api.dnnl_primitive_desc_query_md(weights_pd, dnnl_query_src_md, 0), 1));
    CHECK(make_port(&conv->bww_diff_dst, &conv->user_dst, api.dnnl_primitive_desc_query_md(weights_pd, dnnl_query_diff_dst_md, 0), 1));
    CHECK(make_port(&conv->bww_diff_weights, &conv->user_weights, api.dnnl_primitive_desc_query_md(weights_pd, dnnl_query_diff_weights_md, 0), 0));
    if (conv->has_bias)
        CHECK(make_port(&conv->bww_diff_bias, &conv->user_bias, api.dnnl_primitive_desc_query_md(weights_pd, dnnl_query_diff_weights_md, 1), 0));

    CHECK(api.dnnl_dilated_convolution_backward_data_desc_init(
        &data_desc, dnnl_convolution_direct, &conv->any_src, &conv->any_weights, &conv->any_dst,
        conv->strides, conv->dilates, conv->pad_l, conv->pad_r));
    CHECK(api.dnnl_primitive_desc_create(&data_pd, &data_desc, NULL, engine, conv->forward_pd));
    CHECK(api.dnnl_primitive_create(&conv->backward_data, data_pd));
    const dnnl_memory_desc_t *data_diff_dst = api.dnnl_primitive_desc_query_md(data_pd, dnnl_query_diff_dst_md, 0);
    conv->shares_diff_dst = api.dnnl_memory_desc_equal(data_diff_dst, api.dnnl_primitive_desc_query_md(weights_pd, dnnl_query_diff_dst_md, 0));
    if (!conv->shares_diff_dst) CHECK(make_port(&conv->bwd_diff_dst, &conv->user_dst, data_diff_dst, 1));
    CHECK(make_port(&conv->bwd_weights, &conv->user_weights, api.dnnl_primitive_desc_query_md(data_pd, dnnl_query_weights_md, 0), 1));
    CHECK(make_port(&conv->bwd_diff_src, &conv->user_src, api.dnnl_primitive_desc_query_md(data_pd, dnnl_query_diff_src_md, 0), 0));
    port *ports[backward_port_count];
    backward_ports(conv, ports);
    for (size_t i = 0; i < backward_port_count; i++) place(ports[i], &conv->backward_bytes);
    conv->backward_ready = 1;
done:
    if (data_pd) api.dnnl_primitive_desc_destroy(data_pd);
    if (weights_pd) api.dnnl_primitive_desc_destroy(weights_pd);
    if (status != dnnl_success) destroy_backward(conv);  // nothing half-built stays for a retry
    return status;
}

void gp_conv_destroy(gp_conv *conv) {
    if (!conv) return;
    destroy_backward(conv);
    if (conv->forward_pd) api.dnnl_primitive_desc_destroy(conv->forward_pd);
    if (conv->forward) api.dnnl_primitive_destroy(conv->forward);
    port *ports[forward_port_count];
    forward_ports(conv, ports);
    for (size_t i = 0; i < forward_port_count; i++) destroy_port(ports[i]);
    free(conv);
}

#define RUN(call)                                           \
    do {                                                    \
        dnnl_status_t status_ = (call);                     \
        if (status_ != dnnl_success) return (int)status_;   \
    } while (0)

int gp_conv_forward(gp_conv *c, const float *x, const float *w, const float *b, float *y) {
    use_threads(c);
    port *ports[forward_port_count];
    forward_ports(c, ports);
    RUN(attach(ports, forward_port_count, c->forward_bytes));
    RUN(bind(&c->fwd_src, x, 1));
    RUN(bind(&c->fwd_weights, w, 1));
    if (c->has_bias) RUN(bind(&c->fwd_bias, b, 1));
    RUN(bind(&c->fwd_dst, y, 0));
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, c->fwd_src.primitive}, {DNNL_ARG_WEIGHTS, c->fwd_weights.primitive},
                               {DNNL_ARG_DST, c->fwd_dst.primitive}, {DNNL_ARG_BIAS, c->fwd_bias.primitive}};
    RUN(api.dnnl_primitive_execute(c->forward, stream, c->has_bias ? 4 : 3, args));
    RUN(reorder(&c->fwd_dst, 0));
    return (int)api.dnnl_stream_wait(stream);
}

int gp_conv_backward(gp_conv *c, const float *x, const float *w, const float *dy, float *dw, float *db, float *dx) {
    use_threads(c);
    RUN(prepare_backward(c));
    port *ports[backward_port_count];
    backward_ports(c, ports);
    RUN(attach(ports, backward_port_count, c->backward_bytes));
    RUN(bind(&c->bww_src, x, 1));
    RUN(bind(&c->bww_diff_dst, dy, 1));
    RUN(bind(&c->bww_diff_weights, dw, 0));
    if (c->has_bias) RUN(bind(&c->bww_diff_bias, db, 0));
    dnnl_exec_arg_t weight_args[4] = {{DNNL_ARG_SRC, c->bww_src.primitive}, {DNNL_ARG_DIFF_DST, c->bww_diff_dst.primitive},
                                      {DNNL_ARG_DIFF_WEIGHTS, c->bww_diff_weights.primitive},
                                      {DNNL_ARG_DIFF_BIAS, c->bww_diff_bias.primitive}};
    RUN(api.dnnl_primitive_execute(c->backward_weights, stream, c->has_bias ? 4 : 3, weight_args));
    RUN(reorder(&c->bww_diff_weights, 0));
    if (c->has_bias) RUN(reorder(&c->bww_diff_bias, 0));
    if (dx) {
        const port *diff_dst = c->shares_diff_dst ? &c->bww_diff_dst : &c->bwd_diff_dst;
        if (!c->shares_diff_dst) RUN(bind(&c->bwd_diff_dst, dy, 1));
        RUN(bind(&c->bwd_weights, w, 1));
        RUN(bind(&c->bwd_diff_src, dx, 0));
        dnnl_exec_arg_t data_args[3] = {{DNNL_ARG_DIFF_DST, diff_dst->primitive}, {DNNL_ARG_WEIGHTS, c->bwd_weights.primitive},
                                        {DNNL_ARG_DIFF_SRC, c->bwd_diff_src.primitive}};
        RUN(api.dnnl_primitive_execute(c->backward_data, stream, 3, data_args));
        RUN(reorder(&c->bwd_diff_src, 0));
    }
    return (int)api.dnnl_stream_wait(stream);
}

const char *gp_conv_implementation(const gp_conv *conv) { return conv->implementation; }

static void use_threads(const gp_conv *conv) {
    if (set_openmp_threads && conv->threads > 0) set_openmp_threads(conv->threads);
}

typedef struct chunked_region {
    void (*body)(void *, long);
    void *context;
    long chunks;
} chunked_region;

static void run_chunks(void *data) {
    const chunked_region *region = data;
    const long team = openmp_team_size(), self = openmp_thread_number();
    for (long chunk = self; chunk < region->chunks; chunk += team) region->body(region->context, chunk);
}

int gp_openmp_parallel(long chunks, void (*body)(void *context, long chunk), void *context) {
    if (!atomic_load_explicit(&openmp_ready, memory_order_acquire) || chunks <= 0) return 0;
    chunked_region region = {body, context, chunks};
    gomp_parallel(run_chunks, &region, (unsigned)chunks, 0);
    return 1;
}
