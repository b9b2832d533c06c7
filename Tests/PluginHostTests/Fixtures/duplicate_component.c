/*
 * Fixture: one plugin, "fixture-dup", that declares two operators with the
 * same name, "fixture-dup". The loader must refuse it, naming the component
 * and the file.
 */
#include "streamhost.h"

static const sh_host_api *host;

static int instance_marker;

static sh_status dup_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)ctx;
    (void)config_json;
    (void)config_len;
    *out = &instance_marker;
    return SH_OK;
}

static void dup_destroy(void *self) {
    (void)self;
}

static sh_status dup_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    if (host->emit_batch(ctx, batch) != SH_OK) {
        host->set_error(ctx, "fixture-dup: emit_batch failed");
        return SH_ERROR;
    }
    return SH_OK;
}

static const sh_component_vtable dup_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = dup_create,
    .destroy = dup_destroy,
    .process = dup_process,
};

static const sh_component first = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-dup",
    .description = "The first of two components with this name",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &dup_vtable,
};

static const sh_component second = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-dup",
    .description = "The second of two components with this name",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &dup_vtable,
};

static const sh_component *const components[] = {&first, &second};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 2,
    .name = "fixture-dup",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
