/*
 * Fixture: an operator, "fixture-late-emit", that forwards its input like a
 * good operator but keeps its ctx and, in destroy, calls host->emit on it
 * once. That breaks two rules on purpose (no host calls in destroy, no emit
 * after close): the host must detect it (emit returns SH_CLOSED, the job is
 * reported as failed) rather than crash or deliver the record.
 */
#include "streamhost.h"

#include <stdlib.h>

static const sh_host_api *host;

typedef struct late_emit {
    sh_ctx *ctx; /* kept past its lifetime: the point of this fixture */
} late_emit;

static sh_status late_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    late_emit *self = calloc(1, sizeof *self);
    if (self == NULL) {
        host->set_error(ctx, "fixture-late-emit: out of memory");
        return SH_ERROR;
    }
    self->ctx = ctx;
    *out = self;
    return SH_OK;
}

static sh_status late_process(void *instance, sh_ctx *ctx, const sh_batch *batch) {
    late_emit *self = instance;
    self->ctx = ctx;
    if (host->emit_batch(ctx, batch) != SH_OK) {
        host->set_error(ctx, "fixture-late-emit: emit_batch failed");
        return SH_ERROR;
    }
    return SH_OK;
}

static void late_destroy(void *instance) {
    late_emit *self = instance;
    if (self == NULL) return;
    static const uint8_t value[] = "emitted from destroy";
    sh_record record = {
        .timestamp = 0,
        .key = NULL,
        .key_len = 0,
        .value = value,
        .value_len = sizeof value - 1,
    };
    /* Deliberately wrong: the ctx is closed. The status is ignored because
     * destroy cannot report anything; the host has to notice by itself. */
    (void)host->emit(self->ctx, &record);
    free(self);
}

static const sh_component_vtable late_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = late_create,
    .destroy = late_destroy,
    .process = late_process,
};

static const sh_component late_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-late-emit",
    .description = "Forwards its input, then emits once from destroy",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &late_vtable,
};

static const sh_component *const components[] = {&late_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-late-emit",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
