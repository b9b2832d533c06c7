/*
 * Fixture: an operator, "fixture-badschema", whose config schema is not
 * valid JSON (it stops after the first member). The host must refuse it,
 * naming the component and what is wrong with the schema.
 */
#include "streamhost.h"

static const sh_host_api *host;

static int instance_marker;

static sh_status badschema_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)ctx;
    (void)config_json;
    (void)config_len;
    *out = &instance_marker;
    return SH_OK;
}

static void badschema_destroy(void *self) {
    (void)self;
}

static sh_status badschema_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    if (host->emit_batch(ctx, batch) != SH_OK) {
        host->set_error(ctx, "fixture-badschema: emit_batch failed");
        return SH_ERROR;
    }
    return SH_OK;
}

static const sh_component_vtable badschema_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = badschema_create,
    .destroy = badschema_destroy,
    .process = badschema_process,
};

static const sh_component badschema_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-badschema",
    .description = "An operator whose config schema is truncated JSON",
    /* Truncated JSON: the point of this fixture. */
    .config_schema = "{\"type\": \"object\", ",
    .state_version = 1,
    .input_count = 1,
    .vtable = &badschema_vtable,
};

static const sh_component *const components[] = {&badschema_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-badschema",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
