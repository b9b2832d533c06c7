/*
 * Fixture: components for event-time tests.
 *
 *   source "fixture-ts-source"   emits the records listed in its config, one
 *       poll at a time: `timestamps` "t1,t2,..." (each record's timestamp;
 *       the value is {"ts":T,"key":"K"}), `keys` "k1,k2,..." (cycled; the
 *       record key), `per_poll` records per poll, `watermarks` "w1,w2,..."
 *       (with strategy source: emit_watermark(w_i) after the i-th poll),
 *       `idle_ms` (after the last record, stay idle this long before END),
 *       `poll_interval_ms` (answer SH_IDLE between polls for this long),
 *       `values` "v1|v2|..." (each record's value instead of the generated one),
 *       `watermarks_before` "w1,w2,..." (with strategy source: emit_watermark(w_i)
 *       just before the i-th record, within the poll; empty items emit none).
 *       Instance i > 0 reads `timestamps_<i>` and `idle_ms_<i>` when given.
 *   operator "fixture-wm-probe"  forwards records; on every watermark emits
 *       {"watermark":W,"instance":I}.
 *   operator "fixture-keyed-count"  counts records per key and `window_ms`
 *       window in map state (user key: the window end), registers an
 *       event-time timer at end - 1; on_timer emits
 *       {"key":"K","end":E,"count":C} and deletes the entry. With `processing_ms` > 0 it also registers a
 *       processing-time timer that far ahead and emits {"key":"K","fired":"processing"}.
 */
#define _POSIX_C_SOURCE 200809L /* strndup under -std=c11 */
#include "streamhost.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sh_host_api *host;

static sh_status failf(sh_ctx *ctx, const char *what) {
    char message[400];
    snprintf(message, sizeof message, "%s: %s", what, host->last_error(ctx));
    host->set_error(ctx, message);
    return SH_ERROR;
}

/* Splits "a,b,c" into a malloc'ed array of malloc'ed strings. */
static size_t split_by(const char *text, char separator, char ***out) {
    size_t count = 0;
    char **items = NULL;
    const char *start = text;
    while (*start) {
        const char *end = strchr(start, separator);
        size_t length = end ? (size_t)(end - start) : strlen(start);
        items = realloc(items, (count + 1) * sizeof *items);
        items[count] = strndup(start, length);
        count++;
        if (!end) break;
        start = end + 1;
    }
    *out = items;
    return count;
}

static size_t split(const char *text, char ***out) { return split_by(text, ',', out); }

static const char *config_text(sh_ctx *ctx, const char *key) {
    const char *value = "";
    if (host->config_string(ctx, key, &value) != SH_OK) return "";
    return value;
}

static int64_t config_number(sh_ctx *ctx, const char *key, int64_t fallback) {
    int64_t value = fallback;
    if (host->config_int64(ctx, key, &value) != SH_OK) return fallback;
    return value;
}

/* ---- source -------------------------------------------------------------- */

typedef struct ts_source {
    char **stamps;
    size_t stamp_count;
    char **keys;
    size_t key_count;
    char **marks;
    size_t mark_count;
    char **values;
    size_t value_count;
    char **marks_before;
    size_t mark_before_count;
    size_t next;
    size_t polls;
    int64_t per_poll;
    int64_t idle_ms;
    int64_t idle_since;
    int64_t poll_interval_ms;
    int64_t last_poll;
} ts_source;

static void free_list(char **items, size_t count) {
    for (size_t i = 0; i < count; i++) free(items[i]);
    free(items);
}

static sh_status source_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                               size_t config_len, void **out) {
    (void)ctx;
    (void)component;
    (void)config_json;
    (void)config_len;
    *out = calloc(1, sizeof(ts_source));
    return SH_OK;
}

static sh_status source_open(void *raw, sh_ctx *ctx, const sh_task_info *info) {
    ts_source *self = raw;
    char key[64];
    const char *stamps = config_text(ctx, "timestamps");
    self->idle_ms = config_number(ctx, "idle_ms", 0);
    if (info->instance > 0) {
        snprintf(key, sizeof key, "timestamps_%u", info->instance);
        const char *own = NULL;
        if (host->config_string(ctx, key, &own) == SH_OK) stamps = own;
        snprintf(key, sizeof key, "idle_ms_%u", info->instance);
        self->idle_ms = config_number(ctx, key, self->idle_ms);
    }
    self->stamp_count = split(stamps, &self->stamps);
    self->key_count = split(config_text(ctx, "keys"), &self->keys);
    self->mark_count = split(config_text(ctx, "watermarks"), &self->marks);
    self->value_count = split_by(config_text(ctx, "values"), '|', &self->values);
    self->mark_before_count = split(config_text(ctx, "watermarks_before"), &self->marks_before);
    self->per_poll = config_number(ctx, "per_poll", 1);
    self->poll_interval_ms = config_number(ctx, "poll_interval_ms", 0);
    self->idle_since = -1;
    self->last_poll = -1;
    return SH_OK;
}

static void source_destroy(void *raw) {
    ts_source *self = raw;
    if (!self) return;
    free_list(self->stamps, self->stamp_count);
    free_list(self->keys, self->key_count);
    free_list(self->marks, self->mark_count);
    free_list(self->values, self->value_count);
    free_list(self->marks_before, self->mark_before_count);
    free(self);
}

static sh_status source_poll(void *raw, sh_ctx *ctx, uint32_t max) {
    (void)max;
    ts_source *self = raw;
    if (self->next >= self->stamp_count) {
        if (self->idle_ms <= 0) return SH_END;
        int64_t now = host->processing_time(ctx);
        if (self->idle_since < 0) self->idle_since = now;
        return now - self->idle_since >= self->idle_ms ? SH_END : SH_IDLE;
    }
    if (self->poll_interval_ms > 0) {
        int64_t now = host->processing_time(ctx);
        if (self->last_poll >= 0 && now - self->last_poll < self->poll_interval_ms) return SH_IDLE;
        self->last_poll = now;
    }
    for (int64_t i = 0; i < self->per_poll && self->next < self->stamp_count; i++) {
        int64_t ts = strtoll(self->stamps[self->next], NULL, 10);
        const char *key = self->key_count ? self->keys[self->next % self->key_count] : "k";
        char value[200];
        int length = snprintf(value, sizeof value, "{\"ts\":%" PRId64 ",\"key\":\"%s\"}", ts, key);
        if (self->next < self->value_count) length = snprintf(value, sizeof value, "%s", self->values[self->next]);
        if (self->next < self->mark_before_count && self->marks_before[self->next][0] != '\0') {
            sh_status status = host->emit_watermark(ctx, strtoll(self->marks_before[self->next], NULL, 10));
            if (status != SH_OK) return failf(ctx, "emit_watermark");
        }
        sh_record record = {
            .timestamp = ts,
            .key = (const uint8_t *)key,
            .key_len = strlen(key),
            .value = (const uint8_t *)value,
            .value_len = (size_t)length,
        };
        if (host->emit(ctx, &record) != SH_OK) return failf(ctx, "emit");
        self->next++;
    }
    if (self->polls < self->mark_count) {
        sh_status status = host->emit_watermark(ctx, strtoll(self->marks[self->polls], NULL, 10));
        if (status != SH_OK) return failf(ctx, "emit_watermark");
    }
    self->polls++;
    return SH_OK;
}

/* ---- watermark probe ------------------------------------------------------ */

typedef struct probe {
    uint32_t instance;
} probe;

static sh_status probe_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                              size_t config_len, void **out) {
    (void)ctx;
    (void)component;
    (void)config_json;
    (void)config_len;
    *out = calloc(1, sizeof(probe));
    return SH_OK;
}

static sh_status probe_open(void *raw, sh_ctx *ctx, const sh_task_info *info) {
    (void)ctx;
    ((probe *)raw)->instance = info->instance;
    return SH_OK;
}

static sh_status probe_process(void *raw, sh_ctx *ctx, const sh_batch *batch) {
    (void)raw;
    return host->emit_batch(ctx, batch) == SH_OK ? SH_OK : failf(ctx, "emit_batch");
}

static sh_status probe_watermark(void *raw, sh_ctx *ctx, int64_t watermark) {
    probe *self = raw;
    if (host->current_watermark(ctx) != watermark) {
        host->set_error(ctx, "current_watermark differs from the watermark on_watermark received");
        return SH_ERROR;
    }
    char value[100];
    int length = snprintf(value, sizeof value, "{\"watermark\":%" PRId64 ",\"instance\":%u}", watermark,
                          self->instance);
    sh_record record = {.timestamp = 0, .value = (const uint8_t *)value, .value_len = (size_t)length};
    return host->emit(ctx, &record) == SH_OK ? SH_OK : failf(ctx, "emit");
}

static void plain_destroy(void *raw) { free(raw); }

/* ---- keyed count with timers ---------------------------------------------- */

typedef struct keyed_count {
    sh_state_id counts;
    int64_t window_ms;
    int64_t processing_ms;
} keyed_count;

static sh_status count_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                              size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    keyed_count *self = calloc(1, sizeof *self);
    self->window_ms = config_number(ctx, "window_ms", 10);
    self->processing_ms = config_number(ctx, "processing_ms", 0);
    *out = self;
    return SH_OK;
}

static sh_status count_open(void *raw, sh_ctx *ctx, const sh_task_info *info) {
    (void)info;
    keyed_count *self = raw;
    sh_state_desc desc = {.struct_size = sizeof desc, .kind = SH_STATE_MAP, .name = "counts", .ttl_ms = 0};
    return host->state_register(ctx, &desc, &self->counts) == SH_OK ? SH_OK : failf(ctx, "state_register");
}

static sh_status count_process(void *raw, sh_ctx *ctx, const sh_batch *batch) {
    keyed_count *self = raw;
    for (uint32_t i = 0; i < batch->count; i++) {
        const uint8_t *key = batch->keys + batch->key_offsets[i];
        size_t key_len = batch->key_offsets[i + 1] - batch->key_offsets[i];
        int64_t ts = batch->timestamps[i];
        int64_t end = (ts / self->window_ms + 1) * self->window_ms;
        int64_t count = 0;
        const uint8_t *value = NULL;
        size_t value_len = 0;
        sh_status status = host->state_map_get(ctx, self->counts, key, key_len, (const uint8_t *)&end, sizeof end,
                                               &value, &value_len);
        if (status == SH_OK && value_len == sizeof count) {
            memcpy(&count, value, sizeof count);
        } else if (status != SH_NOT_FOUND) {
            return failf(ctx, "state_map_get");
        }
        count++;
        if (host->state_map_put(ctx, self->counts, key, key_len, (const uint8_t *)&end, sizeof end,
                                (const uint8_t *)&count, sizeof count) != SH_OK) {
            return failf(ctx, "state_map_put");
        }
        if (host->timer_register(ctx, SH_TIME_EVENT, key, key_len, end - 1) != SH_OK) {
            return failf(ctx, "timer_register");
        }
        if (self->processing_ms > 0 && count == 1) {
            int64_t at = host->processing_time(ctx) + self->processing_ms;
            if (host->timer_register(ctx, SH_TIME_PROCESSING, key, key_len, at) != SH_OK) {
                return failf(ctx, "timer_register(processing)");
            }
        }
    }
    return SH_OK;
}

static sh_status count_timer(void *raw, sh_ctx *ctx, const sh_timer *timer) {
    keyed_count *self = raw;
    char value[200];
    int length;
    if (timer->domain == SH_TIME_PROCESSING) {
        length = snprintf(value, sizeof value, "{\"key\":\"%.*s\",\"fired\":\"processing\"}", (int)timer->key_len,
                          (const char *)timer->key);
    } else {
        int64_t count = 0;
        int64_t end = timer->time + 1;
        const uint8_t *stored = NULL;
        size_t stored_len = 0;
        sh_status status = host->state_map_get(ctx, self->counts, timer->key, timer->key_len, (const uint8_t *)&end,
                                               sizeof end, &stored, &stored_len);
        if (status != SH_OK || stored_len != sizeof count) {
            host->set_error(ctx, "on_timer: no count stored for the timer's window");
            return SH_ERROR;
        }
        memcpy(&count, stored, sizeof count);
        if (host->state_map_delete(ctx, self->counts, timer->key, timer->key_len, (const uint8_t *)&end,
                                   sizeof end) != SH_OK) {
            return failf(ctx, "state_map_delete");
        }
        length = snprintf(value, sizeof value, "{\"key\":\"%.*s\",\"end\":%" PRId64 ",\"count\":%" PRId64 "}",
                          (int)timer->key_len, (const char *)timer->key, timer->time + 1, count);
    }
    sh_record record = {
        .timestamp = timer->time,
        .key = timer->key,
        .key_len = timer->key_len,
        .value = (const uint8_t *)value,
        .value_len = (size_t)length,
    };
    (void)self;
    return host->emit(ctx, &record) == SH_OK ? SH_OK : failf(ctx, "emit");
}

/* ---- descriptor ------------------------------------------------------------ */

static const sh_component_vtable source_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = source_create,
    .destroy = source_destroy,
    .open = source_open,
    .poll = source_poll,
};

static const sh_component_vtable probe_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = probe_create,
    .destroy = plain_destroy,
    .open = probe_open,
    .process = probe_process,
    .on_watermark = probe_watermark,
};

static const sh_component_vtable count_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = count_create,
    .destroy = plain_destroy,
    .open = count_open,
    .process = count_process,
    .on_timer = count_timer,
};

static const sh_component source_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SOURCE,
    .name = "fixture-ts-source",
    .description = "Emits records with the timestamps its config lists",
    .config_schema = "{\"type\":\"object\"}",
    .state_version = 1,
    .vtable = &source_vtable,
};

static const sh_component probe_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-wm-probe",
    .description = "Forwards records and reports every watermark as a record",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &probe_vtable,
};

static const sh_component count_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-keyed-count",
    .description = "Counts records per key and event-time window with value state and timers",
    .config_schema = "{\"type\":\"object\"}",
    .state_version = 1,
    .input_count = 1,
    .vtable = &count_vtable,
};

static const sh_component *const components[] = {&source_component, &probe_component, &count_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 3,
    .name = "fixture-event-time",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
