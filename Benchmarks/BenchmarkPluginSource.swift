import PluginHost

/// The C source of the benchmark plugin, compiled with `cc` at run time.
///
/// It lives in a Swift string because the benchmark target is a Swift
/// target: SwiftPM would try to compile a `.c` file under `Benchmarks/` into
/// it and refuse the mix of languages. `BenchmarkEnvironment.prepare` writes it to
/// a temporary directory and builds it the way a plugin author would.
///
/// Every component is an operator without config:
///
/// - `bench_empty` returns from process at once: the bare cost of a call
///   through the ABI (host wrapper, function pointer, return).
/// - `bench_sum_lengths` adds up the value lengths of each batch from the
///   offsets column and reports the total on close through the counter
///   `value_bytes`, so the loop cannot be optimized away and the benchmark
///   can check its result. The same loop is also compiled into a library
///   of its own (`directText`) that the benchmark calls directly.
/// - `bench_passthrough` forwards each batch with one `emit_batch` call.
/// - `bench_emit_each` re-emits every record with one `emit` call each.
enum BenchmarkPluginSource {
    static let fileName = "bench_operators.c"
    static let libraryName = "libstreamhost-bench-operators.so"

    /// The loop both `bench_sum_lengths` and the direct-call library run,
    /// so that they differ only in how they are called.
    static let sumFunction = #"""
/* The value lengths of a batch, summed from its offsets column. */
SUM_LINKAGE uint64_t bench_sum_value_lengths(const sh_batch *batch) {
    const uint32_t *offsets = batch->value_offsets;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < batch->count; i++) sum += offsets[i + 1] - offsets[i];
    return sum;
}
"""#

    static let directFileName = "bench_direct.c"
    static let directLibraryName = "libbench-direct.so"
    static let directSymbol = "bench_sum_value_lengths"

    /// Not a plugin: a library exporting the sum loop, which the benchmark
    /// calls through a plain C function pointer (dlsym) with an `sh_batch`
    /// it fills itself: the same loop without the host in between.
    static let directText = #"""
/* bench_direct.c — bench_sum_lengths' loop, exported for a direct call. */
#include "streamhost.h"

#define SUM_LINKAGE SH_EXPORT
uint64_t bench_sum_value_lengths(const sh_batch *batch);
"""# + sumFunction

    static let text = #"""
/*
 * bench_operators.c — operators for streamhost-bench (see
 * Benchmarks/BenchmarkPluginSource.swift, which holds this text).
 */
#include "streamhost.h"

#include <stdio.h>
#include <stdlib.h>

#define SUM_LINKAGE static

SH_PLUGIN_HOST(host);

typedef struct bench_operator {
    uint64_t value_bytes;
    sh_counter_id value_bytes_counter;
} bench_operator;

/* Copies the host's last error into the callback's failure message. */
static sh_status bench_fail(sh_ctx *ctx, const char *what, sh_status status) {
    char message[512];
    snprintf(message, sizeof message, "bench: %s failed (status %d): %s", what, (int)status, host->last_error(ctx));
    host->set_error(ctx, message);
    return SH_ERROR;
}

static sh_status bench_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                              size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    bench_operator *op = calloc(1, sizeof *op);
    if (op == NULL) {
        host->set_error(ctx, "bench: out of memory creating the instance");
        return SH_ERROR;
    }
    sh_status status = host->counter_register(ctx, "value_bytes", &op->value_bytes_counter);
    if (status != SH_OK) {
        free(op);
        return bench_fail(ctx, "counter_register", status);
    }
    *out = op;
    return SH_OK;
}

static void bench_destroy(void *self) {
    free(self);
}

/* bench_empty: nothing but the call. */
static sh_status empty_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    (void)ctx;
    (void)batch;
    return SH_OK;
}

/* bench_sum_lengths: reads the offsets column, as a filter reading every
 * record's length would. */
\#(sumFunction)
static sh_status sum_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)ctx;
    bench_operator *op = self;
    op->value_bytes += bench_sum_value_lengths(batch);
    return SH_OK;
}

static sh_status sum_close(void *self, sh_ctx *ctx) {
    bench_operator *op = self;
    host->counter_add(ctx, op->value_bytes_counter, (int64_t)op->value_bytes);
    return SH_OK;
}

/* bench_passthrough: one host call per batch. */
static sh_status passthrough_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    sh_status status = host->emit_batch(ctx, batch);
    return status == SH_OK ? SH_OK : bench_fail(ctx, "emit_batch", status);
}

/* bench_emit_each: one host call per record. */
static sh_status emit_each_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    sh_record record;
    for (uint32_t i = 0; i < batch->count; i++) {
        sh_batch_record(batch, i, &record);
        sh_status status = host->emit(ctx, &record);
        if (status != SH_OK) return bench_fail(ctx, "emit", status);
    }
    return SH_OK;
}

#define BENCH_VTABLE(prefix, close_callback)                                      \
    static const sh_component_vtable prefix##_vtable = {                          \
        .struct_size = sizeof(sh_component_vtable),                               \
        .create = bench_create,                                                   \
        .destroy = bench_destroy,                                                 \
        .process = prefix##_process,                                              \
        .close = close_callback,                                                  \
    };

BENCH_VTABLE(empty, NULL)
BENCH_VTABLE(sum, sum_close)
BENCH_VTABLE(passthrough, NULL)
BENCH_VTABLE(emit_each, NULL)

#define BENCH_COMPONENT(prefix, component_name, text)                             \
    static const sh_component prefix##_component = {                              \
        .struct_size = sizeof(sh_component),                                      \
        .kind = SH_KIND_OPERATOR,                                                 \
        .name = component_name,                                                   \
        .description = text,                                                      \
        .config_schema = NULL,                                                    \
        .state_version = 1,                                                       \
        .input_count = 1,                                                         \
        .vtable = &prefix##_vtable,                                               \
    };

BENCH_COMPONENT(empty, "bench_empty", "Returns from process at once")
BENCH_COMPONENT(sum, "bench_sum_lengths", "Sums value lengths; reports them on close as value_bytes")
BENCH_COMPONENT(passthrough, "bench_passthrough", "Forwards each batch with one emit_batch")
BENCH_COMPONENT(emit_each, "bench_emit_each", "Re-emits every record with one emit each")

static const sh_component *const bench_components[] = {
    &empty_component, &sum_component, &passthrough_component, &emit_each_component,
};

SH_PLUGIN_ENTRY(host, "bench-operators", "\#(HostAPI.hostVersion)", bench_components)
"""#
}
