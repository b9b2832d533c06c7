/*
 * Fixture: an operator, "fixture-fail", that forwards the first fail_after
 * records it sees (config, default 1000) and fails on the next one with
 * "fixture-fail: giving up after N records". Each instance counts its own
 * records. Tests use it to check that a failure midstream stops the job
 * with the step's id, instance and message, and that destroy still runs.
 * With once_marker set, it fails only when that file does not exist yet
 * (and creates it first): a job restarted after the failure goes on.
 * With crash set, it fails by writing through a null pointer (SIGSEGV)
 * instead of returning an error: a native crash, which kills the process
 * that runs it. With hang set, it never returns from that process call
 * (it sleeps forever): a hung plugin, which only the end of the process
 * that runs it ends.
 */
#include "streamhost.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char fail_schema[] =
    "{"
    "\"type\":\"object\","
    "\"properties\":{"
    "\"fail_after\":{\"type\":\"integer\",\"minimum\":0,\"default\":1000,"
    "\"description\":\"Records forwarded before the instance fails on the next one.\"},"
    "\"once_marker\":{\"type\":\"string\","
    "\"description\":\"Fail only if this file does not exist; create it when failing.\"},"
    "\"crash\":{\"type\":\"boolean\",\"default\":false,"
    "\"description\":\"Fail by a segmentation fault instead of returning an error.\"},"
    "\"hang\":{\"type\":\"boolean\",\"default\":false,"
    "\"description\":\"Fail by never returning from process instead of returning an error.\"}"
    "},"
    "\"additionalProperties\":false"
    "}";

static const sh_host_api *host;

typedef struct fail_midstream {
    int64_t fail_after;
    int64_t seen;
    char marker[512];
    int spared;
    int crash;
    int hang;
    volatile uintptr_t crash_address; /* 0: the write faults */
} fail_midstream;

static sh_status fail_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    int64_t fail_after = 1000;
    sh_status status = host->config_int64(ctx, "fail_after", &fail_after);
    if (status == SH_NOT_FOUND) {
        fail_after = 1000;
    } else if (status != SH_OK || fail_after < 0) {
        host->set_error(ctx, "fixture-fail: config 'fail_after' must be an integer >= 0");
        return SH_ERROR;
    }
    fail_midstream *self = calloc(1, sizeof *self);
    if (self == NULL) {
        host->set_error(ctx, "fixture-fail: out of memory");
        return SH_ERROR;
    }
    self->fail_after = fail_after;
    const char *marker = NULL;
    if (host->config_string(ctx, "once_marker", &marker) == SH_OK && marker != NULL) {
        snprintf(self->marker, sizeof self->marker, "%s", marker);
    }
    int32_t crash = 0;
    if (host->config_bool(ctx, "crash", &crash) == SH_OK) self->crash = crash;
    int32_t hang = 0;
    if (host->config_bool(ctx, "hang", &hang) == SH_OK) self->hang = hang;
    *out = self;
    return SH_OK;
}

static void fail_destroy(void *self) {
    free(self);
}

static sh_status fail_process(void *instance, sh_ctx *ctx, const sh_batch *batch) {
    fail_midstream *self = instance;
    for (uint32_t i = 0; i < batch->count; i++) {
        if (self->seen >= self->fail_after && !self->spared) {
            if (self->marker[0] != 0 && access(self->marker, F_OK) == 0) {
                self->spared = 1; /* it failed once already: forward the rest */
            } else {
                if (self->marker[0] != 0) {
                    FILE *file = fopen(self->marker, "w");
                    if (file != NULL) fclose(file);
                }
                if (self->crash) {
                    /* A real invalid write, not raise(): a handler the
                     * process installed (the Swift runtime's backtracer)
                     * may return from a raised signal, never from this. */
                    *(volatile int *)(uintptr_t)self->crash_address = 1;
                }
                if (self->hang) {
                    for (;;) sleep(3600);
                }
                char message[128];
                snprintf(message, sizeof message, "fixture-fail: giving up after %" PRId64 " records", self->seen);
                host->set_error(ctx, message);
                return SH_ERROR;
            }
        }
        sh_record record;
        sh_batch_record(batch, i, &record);
        if (host->emit(ctx, &record) != SH_OK) {
            host->set_error(ctx, "fixture-fail: emit failed");
            return SH_ERROR;
        }
        self->seen++;
    }
    return SH_OK;
}

static const sh_component_vtable fail_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = fail_create,
    .destroy = fail_destroy,
    .process = fail_process,
};

static const sh_component fail_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-fail",
    .description = "Forwards fail_after records, then fails",
    .config_schema = fail_schema,
    .state_version = 1,
    .input_count = 1,
    .vtable = &fail_vtable,
};

static const sh_component *const components[] = {&fail_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-fail",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
