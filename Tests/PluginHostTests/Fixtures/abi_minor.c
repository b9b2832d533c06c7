/*
 * Fixture: a plugin built against a newer host (ABI minor SH_ABI_MINOR + 5,
 * same major); otherwise a valid forwarding operator. The loader must refuse
 * it, since it may use host services this host does not have, and name both
 * versions.
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
        host->set_error(ctx, "fixture-abi-minor: emit_batch failed");
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
    .name = "fixture-abi-minor",
    .description = "Forwards every batch unchanged",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &forward_vtable,
};

static const sh_component *const components[] = {&forward_component};

static const sh_plugin_descriptor descriptor = {
    .magic = SH_PLUGIN_MAGIC,
    .struct_size = sizeof(sh_plugin_descriptor),
    .abi_major = SH_ABI_MAJOR,
    /* Five minor versions ahead of this header: the point of this fixture. */
    .abi_minor = SH_ABI_MINOR + 5,
    .component_count = 1,
    .name = "fixture-abi-minor",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
