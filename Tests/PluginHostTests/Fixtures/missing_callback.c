/*
 * Fixture: an operator, "fixture-noprocess", whose vtable has create and
 * destroy but no process, which operators require. The loader must refuse
 * it, naming the component and the missing callback.
 */
#include "streamhost.h"

static int instance_marker;

static sh_status noprocess_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)ctx;
    (void)config_json;
    (void)config_len;
    *out = &instance_marker;
    return SH_OK;
}

static void noprocess_destroy(void *self) {
    (void)self;
}

static const sh_component_vtable noprocess_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = noprocess_create,
    .destroy = noprocess_destroy,
    /* process is REQUIRED for operators: its absence is the point. */
    .process = NULL,
};

static const sh_component noprocess_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-noprocess",
    .description = "An operator without a process callback",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &noprocess_vtable,
};

static const sh_component *const components[] = {&noprocess_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-noprocess",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    (void)api;
    return &descriptor;
}
