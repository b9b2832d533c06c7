/*
 * Fixture: a source, "fixture-bad-source", that emits 10 records (values
 * {"i":0} to {"i":9}, timestamps 0 to 9) and then, on the next poll, fails
 * with "fixture-bad-source: upstream went away". Tests check that the
 * records already emitted reach the sink and that the job reports the
 * source's failure.
 */
#include "streamhost.h"

#include <stdio.h>
#include <stdlib.h>

#define BAD_SOURCE_RECORDS 10

static const sh_host_api *host;

typedef struct bad_source {
    uint32_t emitted;
} bad_source;

static sh_status bad_source_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    bad_source *self = calloc(1, sizeof *self);
    if (self == NULL) {
        host->set_error(ctx, "fixture-bad-source: out of memory");
        return SH_ERROR;
    }
    *out = self;
    return SH_OK;
}

static void bad_source_destroy(void *self) {
    free(self);
}

static sh_status bad_source_poll(void *instance, sh_ctx *ctx, uint32_t max) {
    bad_source *self = instance;
    if (self->emitted >= BAD_SOURCE_RECORDS) {
        host->set_error(ctx, "fixture-bad-source: upstream went away");
        return SH_ERROR;
    }
    for (uint32_t n = 0; n < max && self->emitted < BAD_SOURCE_RECORDS; n++) {
        char value[32];
        int length = snprintf(value, sizeof value, "{\"i\":%u}", (unsigned)self->emitted);
        sh_record record = {
            .timestamp = (int64_t)self->emitted,
            .key = NULL,
            .key_len = 0,
            .value = (const uint8_t *)value,
            .value_len = (size_t)length,
        };
        if (host->emit(ctx, &record) != SH_OK) {
            host->set_error(ctx, "fixture-bad-source: emit failed");
            return SH_ERROR;
        }
        self->emitted++;
    }
    return SH_OK;
}

static const sh_component_vtable bad_source_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = bad_source_create,
    .destroy = bad_source_destroy,
    .poll = bad_source_poll,
};

static const sh_component bad_source_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SOURCE,
    .name = "fixture-bad-source",
    .description = "Emits 10 records, then fails",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 0,
    .vtable = &bad_source_vtable,
};

static const sh_component *const components[] = {&bad_source_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-bad-source",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
