/*
 * Fixture: plugin "fixture-b" with an operator named "fixture-same", like
 * plugin "fixture-a" in same_name_a.c: the host must refuse to load both,
 * naming both files.
 */
#include "streamhost.h"

static const sh_host_api *host;

static int instance_marker;

static sh_status forward_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)ctx;
    (void)config_json;
    (void)config_len;
    *out = &instance_marker;
    return SH_OK;
}

static void forward_destroy(void *self) {
    (void)self;
}

static sh_status forward_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    if (host->emit_batch(ctx, batch) != SH_OK) {
        host->set_error(ctx, "fixture-same: emit_batch failed");
        return SH_ERROR;
    }
    return SH_OK;
}

static const sh_component_vtable forward_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = forward_create,
    .destroy = forward_destroy,
    .process = forward_process,
};

static const sh_component forward_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-same",
    .description = "Forwards every batch unchanged",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &forward_vtable,
};

static const sh_component *const components[] = {&forward_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-b",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
