/*
 * Fixture: a sink, "fixture-slow", that busy-spins ns_per_record (config,
 * default 1000) nanoseconds of CLOCK_MONOTONIC time per record it receives
 * and counts them; on close it logs "fixture-slow: N records". Tests use it
 * to build backpressure: a slow consumer must stop the producer, not grow
 * a queue.
 */
#if !defined(__APPLE__) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#endif

#include "streamhost.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char slow_schema[] =
    "{"
    "\"type\":\"object\","
    "\"properties\":{"
    "\"ns_per_record\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":1000000000,\"default\":1000,"
    "\"description\":\"Nanoseconds of busy waiting per record.\"}"
    "},"
    "\"additionalProperties\":false"
    "}";

static const sh_host_api *host;

typedef struct slow_sink {
    uint64_t ns_per_record;
    uint64_t records;
} slow_sink;

static uint64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static sh_status slow_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    int64_t ns_per_record = 1000;
    sh_status status = host->config_int64(ctx, "ns_per_record", &ns_per_record);
    if (status == SH_NOT_FOUND) {
        ns_per_record = 1000;
    } else if (status != SH_OK || ns_per_record < 0 || ns_per_record > 1000000000) {
        host->set_error(ctx, "fixture-slow: config 'ns_per_record' must be an integer from 0 to 1000000000");
        return SH_ERROR;
    }
    slow_sink *self = calloc(1, sizeof *self);
    if (self == NULL) {
        host->set_error(ctx, "fixture-slow: out of memory");
        return SH_ERROR;
    }
    self->ns_per_record = (uint64_t)ns_per_record;
    *out = self;
    return SH_OK;
}

static void slow_destroy(void *self) {
    free(self);
}

static sh_status slow_process(void *instance, sh_ctx *ctx, const sh_batch *batch) {
    (void)ctx;
    slow_sink *self = instance;
    /* One deadline for the batch: the same total time as spinning per
     * record, without a clock read per record. */
    uint64_t deadline = monotonic_ns() + self->ns_per_record * batch->count;
    while (monotonic_ns() < deadline) {
        /* spin */
    }
    self->records += batch->count;
    return SH_OK;
}

static sh_status slow_close(void *instance, sh_ctx *ctx) {
    slow_sink *self = instance;
    char message[64];
    snprintf(message, sizeof message, "fixture-slow: %" PRIu64 " records", self->records);
    host->log(ctx, SH_LOG_INFO, message);
    return SH_OK;
}

static const sh_component_vtable slow_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = slow_create,
    .destroy = slow_destroy,
    .process = slow_process,
    .close = slow_close,
};

static const sh_component slow_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SINK,
    .name = "fixture-slow",
    .description = "A sink that busy-waits ns_per_record per record",
    .config_schema = slow_schema,
    .state_version = 1,
    .input_count = 0,
    .vtable = &slow_vtable,
};

static const sh_component *const components[] = {&slow_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-slow",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
