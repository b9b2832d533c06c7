/*
 * The plugin the loader fixtures share: one operator, FIXTURE_OPERATOR_NAME,
 * that forwards every batch unchanged, and the entry point that returns the
 * including file's `descriptor`. Each fixture defines FIXTURE_OPERATOR_NAME,
 * includes this header, then defines `descriptor` with the one thing it gets
 * wrong (magic, ABI version) or its own plugin name, so that the fixture
 * shows only what it tests. FIXTURE_CONFIG_SCHEMA sets the operator's config
 * schema (default none); with FIXTURE_OWN_COMPONENTS the fixture declares
 * its own components and `components` array over forward_vtable instead of
 * the one operator here. Quoted include: cc finds it beside the fixture.
 */
#ifndef FIXTURE_PLUGIN_H
#define FIXTURE_PLUGIN_H

#include "streamhost.h"

#include <stdio.h>

#ifndef FIXTURE_OPERATOR_NAME
#error "define FIXTURE_OPERATOR_NAME before including fixture_plugin.h"
#endif

#ifndef FIXTURE_CONFIG_SCHEMA
#define FIXTURE_CONFIG_SCHEMA NULL
#endif

static const sh_host_api *host;

/* The instance has no state; any non-NULL pointer will do. */
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
    sh_status status = host->emit_batch(ctx, batch);
    if (status != SH_OK) {
        char message[300];
        snprintf(message, sizeof message, FIXTURE_OPERATOR_NAME ": emit_batch failed (status %d): %s", (int)status,
                 host->last_error(ctx));
        host->set_error(ctx, message);
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

#ifndef FIXTURE_OWN_COMPONENTS
static const sh_component forward_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = FIXTURE_OPERATOR_NAME,
    .description = "Forwards every batch unchanged",
    .config_schema = FIXTURE_CONFIG_SCHEMA,
    .state_version = 1,
    .input_count = 1,
    .vtable = &forward_vtable,
};

/* For the including file's descriptor: `.components = components`. */
static const sh_component *const components[] = {&forward_component};
#endif

/* Defined by the including file (a tentative definition until then). */
static const sh_plugin_descriptor descriptor;

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}

#endif
