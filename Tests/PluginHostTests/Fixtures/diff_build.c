/*
 * Fixture: two builds of one plugin, "fixture-diff", for `plugin diff`.
 * Build with -DDIFF_BUILD=1 or -DDIFF_BUILD=2.
 *
 *   build 1 (1.0.0): operator "shaper" (config {field}, state_version 1,
 *            snapshot + restore) and sink "tail".
 *   build 2 (1.1.0): operator "shaper" (config {field, limit}, field
 *            required, state_version 2, restore + on_watermark, no migrate
 *            although its state version grew) and source "head".
 *
 * The callbacks only need to exist: the fixture is loaded, never run.
 */
#include "streamhost.h"

#ifndef DIFF_BUILD
#error "build with -DDIFF_BUILD=1 or 2"
#endif

SH_PLUGIN_HOST(host);

static int instance_marker;

static sh_status diff_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                             size_t config_len, void **out) {
    (void)ctx;
    (void)component;
    (void)config_json;
    (void)config_len;
    *out = &instance_marker;
    return SH_OK;
}

static void diff_destroy(void *self) {
    (void)self;
}

static sh_status diff_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    return host->emit_batch(ctx, batch);
}

static sh_status diff_restore(void *self, sh_ctx *ctx, uint32_t state_version, const uint8_t *data, size_t len) {
    (void)self;
    (void)ctx;
    (void)state_version;
    (void)data;
    (void)len;
    return SH_OK;
}

#if DIFF_BUILD == 1
static sh_status diff_snapshot(void *self, sh_ctx *ctx, int64_t checkpoint_id, sh_blob *out) {
    (void)self;
    (void)ctx;
    (void)checkpoint_id;
    out->data = NULL;
    out->len = 0;
    return SH_OK;
}

static const sh_component_vtable shaper_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = diff_create,
    .destroy = diff_destroy,
    .process = diff_process,
    .snapshot = diff_snapshot,
    .restore = diff_restore,
};

static const sh_component shaper = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "shaper",
    .description = "Shapes records",
    .config_schema = "{\"type\":\"object\",\"properties\":{\"field\":{\"type\":\"string\"}}}",
    .state_version = 1,
    .input_count = 1,
    .vtable = &shaper_vtable,
};

static const sh_component_vtable tail_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = diff_create,
    .destroy = diff_destroy,
    .process = diff_process,
};

static const sh_component other = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SINK,
    .name = "tail",
    .description = "Keeps nothing",
    .state_version = 1,
    .input_count = 1,
    .vtable = &tail_vtable,
};

static const sh_component *const components[] = {&shaper, &other};
SH_PLUGIN_ENTRY(host, "fixture-diff", "1.0.0", components)
#else
static sh_status diff_on_watermark(void *self, sh_ctx *ctx, int64_t watermark) {
    (void)self;
    (void)ctx;
    (void)watermark;
    return SH_OK;
}

static sh_status diff_poll(void *self, sh_ctx *ctx, uint32_t max) {
    (void)self;
    (void)ctx;
    (void)max;
    return SH_END;
}

static const sh_component_vtable shaper_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = diff_create,
    .destroy = diff_destroy,
    .process = diff_process,
    .restore = diff_restore,
    .on_watermark = diff_on_watermark,
};

static const sh_component shaper = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "shaper",
    .description = "Shapes records",
    .config_schema = "{\"type\":\"object\",\"properties\":{\"field\":{\"type\":\"string\"},"
                     "\"limit\":{\"type\":\"integer\"}},\"required\":[\"field\"]}",
    .state_version = 2,
    .input_count = 1,
    .vtable = &shaper_vtable,
};

static const sh_component_vtable head_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = diff_create,
    .destroy = diff_destroy,
    .poll = diff_poll,
};

static const sh_component other = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SOURCE,
    .name = "head",
    .description = "Emits nothing",
    .state_version = 1,
    .vtable = &head_vtable,
};

static const sh_component *const components[] = {&shaper, &other};
SH_PLUGIN_ENTRY(host, "fixture-diff", "1.1.0", components)
#endif
