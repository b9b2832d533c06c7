/*
 * Fixture: an operator, "fixture-stray-thread", that forwards its input like
 * a good operator but also calls the host from a thread of its own, breaking
 * ABI rule 8 on purpose. Config (all strings):
 *   call   "emit" (default), "state_get" or "timer_register": the stray call;
 *   when   "during" (default): the thread runs and is joined inside the
 *          first process call, so the stray call overlaps a callback;
 *          "between": the thread is started at the end of the first process
 *          call and joined in close, so the call falls between callbacks
 *          or overlaps a later one.
 * The host must refuse the stray call with SH_WRONG_THREAD and fail the job
 * naming it; the fixture logs the status it got (log is allowed from any
 * thread), so a test can see it.
 */
#define _POSIX_C_SOURCE 200809L
#include "streamhost.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sh_host_api *host;

typedef struct stray {
    sh_ctx *ctx;
    sh_state_id state;
    char call[32];
    char when[32];
    int started;
    pthread_t thread;
} stray;

static void *stray_main(void *argument) {
    stray *self = argument;
    static const uint8_t key[] = "k";
    static const uint8_t value[] = "{\"stray\":true}";
    sh_status status;
    if (strcmp(self->call, "state_get") == 0) {
        const uint8_t *found = NULL;
        size_t length = 0;
        status = host->state_get(self->ctx, self->state, key, 1, &found, &length);
    } else if (strcmp(self->call, "timer_register") == 0) {
        status = host->timer_register(self->ctx, SH_TIME_EVENT, key, 1, 1000);
    } else {
        sh_record record = {.timestamp = 0, .key = NULL, .key_len = 0, .value = value, .value_len = sizeof value - 1};
        status = host->emit(self->ctx, &record);
    }
    char message[128];
    snprintf(message, sizeof message, "fixture-stray-thread: stray %s returned %d", self->call, (int)status);
    host->log(self->ctx, SH_LOG_WARN, message);
    return NULL;
}

static void copy_config(sh_ctx *ctx, const char *key, char *out, size_t size, const char *fallback) {
    const char *value = fallback;
    if (host->config_string(ctx, key, &value) != SH_OK) value = fallback;
    snprintf(out, size, "%s", value);
}

static sh_status stray_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len,
                              void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    stray *self = calloc(1, sizeof *self);
    if (self == NULL) {
        host->set_error(ctx, "fixture-stray-thread: out of memory");
        return SH_ERROR;
    }
    copy_config(ctx, "call", self->call, sizeof self->call, "emit");
    copy_config(ctx, "when", self->when, sizeof self->when, "during");
    self->ctx = ctx;
    *out = self;
    return SH_OK;
}

static sh_status stray_open(void *instance, sh_ctx *ctx, const sh_task_info *info) {
    (void)info;
    stray *self = instance;
    sh_state_desc desc = {.struct_size = sizeof desc, .name = "seen", .kind = SH_STATE_VALUE, .ttl_ms = 0};
    if (host->state_register(ctx, &desc, &self->state) != SH_OK) {
        host->set_error(ctx, host->last_error(ctx));
        return SH_ERROR;
    }
    return SH_OK;
}

static sh_status stray_process(void *instance, sh_ctx *ctx, const sh_batch *batch) {
    stray *self = instance;
    if (host->emit_batch(ctx, batch) != SH_OK) {
        host->set_error(ctx, "fixture-stray-thread: emit_batch failed");
        return SH_ERROR;
    }
    if (!self->started) {
        self->started = 1;
        if (pthread_create(&self->thread, NULL, stray_main, self) != 0) {
            host->set_error(ctx, "fixture-stray-thread: pthread_create failed");
            return SH_ERROR;
        }
        if (strcmp(self->when, "between") != 0) {
            pthread_join(self->thread, NULL);
            self->started = 2;
        }
    }
    return SH_OK;
}

static sh_status stray_close(void *instance, sh_ctx *ctx) {
    (void)ctx;
    stray *self = instance;
    if (self->started == 1) {
        pthread_join(self->thread, NULL);
        self->started = 2;
    }
    return SH_OK;
}

static sh_status stray_on_timer(void *instance, sh_ctx *ctx, const sh_timer *timer) {
    (void)instance;
    (void)ctx;
    (void)timer;
    return SH_OK;
}

static void stray_destroy(void *instance) {
    stray *self = instance;
    if (self == NULL) return;
    if (self->started == 1) pthread_join(self->thread, NULL);
    free(self);
}

static const sh_component_vtable stray_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = stray_create,
    .destroy = stray_destroy,
    .open = stray_open,
    .process = stray_process,
    .close = stray_close,
    .on_timer = stray_on_timer,
};

static const sh_component stray_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-stray-thread",
    .description = "Forwards its input, and calls the host from a thread of its own",
    .config_schema = "{\"type\":\"object\",\"properties\":{\"call\":{\"type\":\"string\"},"
                     "\"when\":{\"type\":\"string\"}},\"additionalProperties\":false}",
    .state_version = 1,
    .input_count = 1,
    .vtable = &stray_vtable,
};

static const sh_component *const components[] = {&stray_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-stray-thread",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
