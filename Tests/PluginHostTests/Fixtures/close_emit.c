/*
 * Fixture: "fixture-close-emit", an operator that forwards every batch and
 * emits one more record from close ({"order_id":-1}). Without checkpoints
 * that is allowed; with checkpoints close comes after the final checkpoint
 * and the host must refuse the emit (the job fails naming the step) instead
 * of delivering a record no checkpoint covers.
 */
#include "streamhost.h"

#include <stdio.h>

static const sh_host_api *host;

/* The instance has no state; any non-NULL pointer will do. */
static int instance_marker;

static sh_status close_emit_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                                   size_t config_len, void **out) {
    (void)component;
    (void)ctx;
    (void)config_json;
    (void)config_len;
    *out = &instance_marker;
    return SH_OK;
}

static void close_emit_destroy(void *self) {
    (void)self;
}

static sh_status close_emit_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    if (host->emit_batch(ctx, batch) != SH_OK) {
        char message[300];
        snprintf(message, sizeof message, "fixture-close-emit: emit_batch failed: %s", host->last_error(ctx));
        host->set_error(ctx, message);
        return SH_ERROR;
    }
    return SH_OK;
}

static sh_status close_emit_close(void *self, sh_ctx *ctx) {
    (void)self;
    static const uint8_t value[] = "{\"order_id\":-1}";
    sh_record record = {.timestamp = 0, .key = NULL, .key_len = 0, .value = value, .value_len = sizeof value - 1};
    if (host->emit(ctx, &record) != SH_OK) {
        char message[600];
        snprintf(message, sizeof message, "fixture-close-emit: emit in close refused: %s", host->last_error(ctx));
        host->set_error(ctx, message);
        return SH_ERROR;
    }
    return SH_OK;
}

static const sh_component_vtable close_emit_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = close_emit_create,
    .destroy = close_emit_destroy,
    .process = close_emit_process,
    .close = close_emit_close,
};

static const sh_component close_emit_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-close-emit",
    .description = "Forwards every batch, then emits one record from close",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &close_emit_vtable,
};

static const sh_component *const components[] = {&close_emit_component};

SH_PLUGIN_ENTRY(host, "fixture-close-emit", "1.0.0", components)
