/*
 * Fixture: a sink, "fixture-append", that appends every record's value and
 * a newline to config.path with one write(2) per batch (O_APPEND), so what
 * it was given is on disk at once, whatever happens to the job next (no
 * close needed). Checkpoint tests read the file to count deliveries.
 */
#include "streamhost.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const sh_host_api *host;

static const char append_schema[] =
    "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},"
    "\"required\":[\"path\"],\"additionalProperties\":false}";

typedef struct append_sink {
    int fd;
    char *buffer;
    size_t capacity;
} append_sink;

static sh_status append_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len,
                               void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    const char *path = NULL;
    if (host->config_string(ctx, "path", &path) != SH_OK) {
        host->set_error(ctx, "fixture-append: config 'path' is required");
        return SH_ERROR;
    }
    append_sink *self = calloc(1, sizeof *self);
    if (self == NULL) return SH_ERROR;
    self->fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (self->fd < 0) {
        free(self);
        host->set_error(ctx, "fixture-append: cannot open config.path");
        return SH_ERROR;
    }
    *out = self;
    return SH_OK;
}

static void append_destroy(void *instance) {
    append_sink *self = instance;
    if (self == NULL) return;
    close(self->fd);
    free(self->buffer);
    free(self);
}

static sh_status append_process(void *instance, sh_ctx *ctx, const sh_batch *batch) {
    append_sink *self = instance;
    size_t needed = (size_t)batch->value_offsets[batch->count] + batch->count;
    if (needed > self->capacity) {
        char *grown = realloc(self->buffer, needed);
        if (grown == NULL) {
            host->set_error(ctx, "fixture-append: out of memory");
            return SH_ERROR;
        }
        self->buffer = grown;
        self->capacity = needed;
    }
    size_t used = 0;
    for (uint32_t i = 0; i < batch->count; i++) {
        size_t len;
        const uint8_t *value = sh_batch_value(batch, i, &len);
        memcpy(self->buffer + used, value, len);
        used += len;
        self->buffer[used++] = '\n';
    }
    if (write(self->fd, self->buffer, used) != (ssize_t)used) {
        host->set_error(ctx, "fixture-append: write failed");
        return SH_ERROR;
    }
    return SH_OK;
}

static const sh_component_vtable append_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = append_create,
    .destroy = append_destroy,
    .process = append_process,
};

static const sh_component append_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SINK,
    .name = "fixture-append",
    .description = "Appends each record's value to a file at once",
    .config_schema = append_schema,
    .state_version = 1,
    .vtable = &append_vtable,
};

static const sh_component *const components[] = {&append_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-append",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
