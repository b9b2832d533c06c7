/*
 * Fixture: a plugin that provides one component of a multi-component
 * built-in plugin: the operator "filter" (the built-in `expressions` plugin
 * also has map and project). It ignores its config and keeps every record,
 * so a run shows whose filter ran.
 */
#include "streamhost.h"

#include <stdio.h>

static const sh_host_api *host;

static int instance_marker;

static sh_status only_filter_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                                    size_t config_len, void **out) {
    (void)ctx;
    (void)component;
    (void)config_json;
    (void)config_len;
    *out = &instance_marker;
    return SH_OK;
}

static void only_filter_destroy(void *self) {
    (void)self;
}

static sh_status only_filter_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    if (host->emit_batch(ctx, batch) != SH_OK) {
        char message[300];
        snprintf(message, sizeof message, "fixture only-filter: emit_batch failed: %s", host->last_error(ctx));
        host->set_error(ctx, message);
        return SH_ERROR;
    }
    return SH_OK;
}

static const sh_component_vtable only_filter_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = only_filter_create,
    .destroy = only_filter_destroy,
    .process = only_filter_process,
};

static const sh_component only_filter_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "filter",
    .description = "Keeps every record (a test stand-in for the built-in filter)",
    .config_schema = "{\"type\":\"object\",\"properties\":{\"where\":{\"type\":\"string\"}}}",
    .state_version = 1,
    .input_count = 1,
    .vtable = &only_filter_vtable,
};

static const sh_component *const components[] = {&only_filter_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-only-filter",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
