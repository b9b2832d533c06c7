/*
 * Fixture: a descriptor whose magic number is wrong ("BAD!" instead of
 * "SHP1"); otherwise a valid forwarding operator. The loader must refuse it
 * before reading anything else of the descriptor.
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
        host->set_error(ctx, "fixture-bad-magic: emit_batch failed");
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
    .name = "fixture-bad-magic",
    .description = "Forwards every batch unchanged",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &forward_vtable,
};

static const sh_component *const components[] = {&forward_component};

static const sh_plugin_descriptor descriptor = {
    /* Not SH_PLUGIN_MAGIC: the point of this fixture. */
    .magic = 0x21444142u,
    .struct_size = sizeof(sh_plugin_descriptor),
    .abi_major = SH_ABI_MAJOR,
    .abi_minor = SH_ABI_MINOR,
    .component_count = 1,
    .name = "fixture-bad-magic",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
