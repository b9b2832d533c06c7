/*
 * Fixture: an operator whose migrate makes host calls and returns their
 * results as its new state, one byte each, so a test sees which calls are
 * valid inside migrate:
 *   [0] config_int64("n") status   [1] its value   [2] counter_register status
 *   [3] processing_time > 0        [4] current_watermark == INT64_MIN
 *   [5] emit status                [6] state_register status
 *   [7] last_error mentions migrate
 */
#include "streamhost.h"

#include <string.h>

SH_PLUGIN_HOST(host);

static int instance_marker;

static sh_status calls_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                              size_t config_len, void **out) {
    (void)ctx;
    (void)component;
    (void)config_json;
    (void)config_len;
    *out = &instance_marker;
    return SH_OK;
}

static void calls_destroy(void *self) {
    (void)self;
}

static sh_status calls_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    return host->emit_batch(ctx, batch);
}

static sh_status calls_migrate(sh_ctx *ctx, const sh_component *component, const sh_migration *migration,
                               sh_blob *out) {
    (void)component;
    (void)migration;
    uint8_t *data = host->alloc(8);
    if (data == NULL) return SH_ERROR;
    host->log(ctx, SH_MSG_INFO, "migrate-calls: migrating");
    int64_t n = 0;
    data[0] = (uint8_t)host->config_int64(ctx, "n", &n);
    data[1] = (uint8_t)n;
    sh_counter_id counter = 0;
    data[2] = (uint8_t)host->counter_register(ctx, "migrated", &counter);
    data[3] = host->processing_time(ctx) > 0;
    data[4] = host->current_watermark(ctx) == INT64_MIN;
    sh_record record;
    memset(&record, 0, sizeof record);
    record.value = (const uint8_t *)"x";
    record.value_len = 1;
    data[5] = (uint8_t)host->emit(ctx, &record);
    sh_state_desc desc = {.struct_size = sizeof(sh_state_desc), .kind = SH_STATE_VALUE, .name = "s", .ttl_ms = 0};
    sh_state_id state = 0;
    data[6] = (uint8_t)host->state_register(ctx, &desc, &state);
    data[7] = strstr(host->last_error(ctx), "inside migrate") != NULL;
    out->data = data;
    out->len = 8;
    return SH_OK;
}

static const sh_component_vtable calls_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = calls_create,
    .destroy = calls_destroy,
    .process = calls_process,
    .migrate = calls_migrate,
};

static const sh_component calls_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "migrate-calls",
    .description = "Reports which host calls work inside migrate",
    .config_schema = "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}",
    .state_version = 2,
    .input_count = 1,
    .vtable = &calls_vtable,
};

static const sh_component *const components[] = {&calls_component};
SH_PLUGIN_ENTRY(host, "fixture-migrate-calls", "2.0.0", components)
