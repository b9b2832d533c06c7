/*
 * Fixture: a valid plugin. "fixture-pass" is an operator without config
 * that forwards every batch unchanged with one emit_batch call.
 */
#include "streamhost.h"

#include <stdio.h>

static const sh_host_api *host;

/* The instance has no state; any non-NULL pointer will do. */
static int instance_marker;

static sh_status pass_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)ctx;
    (void)config_json;
    (void)config_len;
    *out = &instance_marker;
    return SH_OK;
}

static void pass_destroy(void *self) {
    (void)self;
}

static sh_status pass_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    sh_status status = host->emit_batch(ctx, batch);
    if (status != SH_OK) {
        char message[300];
        snprintf(message, sizeof message, "fixture-pass: emit_batch failed (status %d): %s", (int)status,
                 host->last_error(ctx));
        host->set_error(ctx, message);
        return SH_ERROR;
    }
    return SH_OK;
}

static const sh_component_vtable pass_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = pass_create,
    .destroy = pass_destroy,
    .process = pass_process,
};

static const sh_component pass_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-pass",
    .description = "Forwards every batch unchanged",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &pass_vtable,
};

static const sh_component *const components[] = {&pass_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-pass",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
