/*
 * bridge.c — the C half of the Go SDK; see bridge.h for why it exists.
 *
 * The descriptor, its components and vtables are built once, inside
 * streamhost_plugin_entry, from what the plugin's Go init functions
 * registered (the Go runtime of a c-shared library has run every init
 * before an exported Go function returns). They live for the life of the
 * process, as the ABI requires of a descriptor.
 */
#include "bridge.h"
#include "_cgo_export.h"

#include <stdlib.h>
#include <string.h>

static const sh_host_api *bridge_host;
static sh_plugin_descriptor bridge_descriptor;
static sh_component *bridge_components;
static sh_component_vtable *bridge_vtables;
static const sh_component **bridge_component_list;

const sh_host_api *sh_go_host(void) { return bridge_host; }

/* A NUL-terminated copy of a Go string, for the life of the process. */
static char *bridge_strdup(const char *text, size_t len) {
    char *copy = malloc(len + 1);
    if (copy == NULL) return NULL;
    if (len > 0) memcpy(copy, text, len);
    copy[len] = 0;
    return copy;
}

/* Short strings for one host call go on the stack; longer ones on the heap. */
enum { BRIDGE_STACK_TEXT = 256 };

typedef struct bridge_text {
    char stack[BRIDGE_STACK_TEXT];
    char *text;
} bridge_text;

static const char *bridge_text_make(bridge_text *t, const char *text, size_t len) {
    if (len < BRIDGE_STACK_TEXT) {
        t->text = NULL;
        if (len > 0) memcpy(t->stack, text, len);
        t->stack[len] = 0;
        return t->stack;
    }
    t->text = bridge_strdup(text, len);
    return t->text;
}

static void bridge_text_free(bridge_text *t) { free(t->text); }

/* ------------------------------------------------------------------------ */
/* Component callbacks: forward to the exported Go functions                */
/* ------------------------------------------------------------------------ */

static uint32_t bridge_component_index(const sh_component *component) {
    return (uint32_t)(component - bridge_components);
}

static sh_status bridge_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                               size_t config_len, void **out) {
    uintptr_t handle = 0;
    sh_status status = shgoCreate(ctx, bridge_component_index(component), (char *)config_json, config_len, &handle);
    if (status == SH_OK) *out = (void *)handle;
    return status;
}

static void bridge_destroy(void *self) {
    if (self != NULL) shgoDestroy((uintptr_t)self);
}

static sh_status bridge_open(void *self, sh_ctx *ctx, const sh_task_info *info) {
    return shgoOpen((uintptr_t)self, ctx, (sh_task_info *)info);
}

static sh_status bridge_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    return shgoProcess((uintptr_t)self, ctx, (sh_batch *)batch);
}

static sh_status bridge_poll(void *self, sh_ctx *ctx, uint32_t max) { return shgoPoll((uintptr_t)self, ctx, max); }

static sh_status bridge_on_watermark(void *self, sh_ctx *ctx, int64_t watermark) {
    return shgoWatermark((uintptr_t)self, ctx, watermark);
}

static sh_status bridge_on_timer(void *self, sh_ctx *ctx, const sh_timer *timer) {
    return shgoTimer((uintptr_t)self, ctx, (sh_timer *)timer);
}

static sh_status bridge_snapshot(void *self, sh_ctx *ctx, int64_t checkpoint_id, sh_blob *out) {
    return shgoSnapshot((uintptr_t)self, ctx, checkpoint_id, out);
}

static sh_status bridge_restore(void *self, sh_ctx *ctx, uint32_t state_version, const uint8_t *data, size_t len) {
    return shgoRestore((uintptr_t)self, ctx, state_version, (uint8_t *)data, len);
}

static sh_status bridge_migrate(sh_ctx *ctx, const sh_component *component, const sh_migration *migration,
                                sh_blob *out) {
    return shgoMigrate(ctx, bridge_component_index(component), (sh_migration *)migration, out);
}

static sh_status bridge_on_checkpoint(void *self, sh_ctx *ctx, int64_t id) {
    return shgoCheckpoint((uintptr_t)self, ctx, id, 0);
}

static sh_status bridge_on_checkpoint_complete(void *self, sh_ctx *ctx, int64_t id) {
    return shgoCheckpoint((uintptr_t)self, ctx, id, 1);
}

static sh_status bridge_on_checkpoint_abort(void *self, sh_ctx *ctx, int64_t id) {
    return shgoCheckpoint((uintptr_t)self, ctx, id, 2);
}

static sh_status bridge_close(void *self, sh_ctx *ctx) { return shgoClose((uintptr_t)self, ctx); }

/* ------------------------------------------------------------------------ */
/* The descriptor                                                           */
/* ------------------------------------------------------------------------ */

int sh_go_begin_descriptor(const char *name, size_t name_len, const char *version, size_t version_len,
                           uint32_t component_count) {
    bridge_components = calloc(component_count ? component_count : 1, sizeof *bridge_components);
    bridge_vtables = calloc(component_count ? component_count : 1, sizeof *bridge_vtables);
    bridge_component_list = calloc(component_count ? component_count : 1, sizeof *bridge_component_list);
    char *plugin_name = bridge_strdup(name, name_len);
    char *plugin_version = bridge_strdup(version, version_len);
    if (!bridge_components || !bridge_vtables || !bridge_component_list || !plugin_name || !plugin_version) return -1;
    bridge_descriptor = (sh_plugin_descriptor){
        SH_DESCRIPTOR_HEADER,
        .component_count = component_count,
        .name = plugin_name,
        .version = plugin_version,
        .components = bridge_component_list,
    };
    return 0;
}

int sh_go_set_component(uint32_t index, int32_t kind, const char *name, size_t name_len, const char *description,
                        size_t description_len, const char *schema, size_t schema_len, uint32_t state_version,
                        uint32_t input_count, uint32_t callbacks, uint32_t input_formats, uint32_t output_formats) {
    sh_component_vtable *vtable = &bridge_vtables[index];
    *vtable = (sh_component_vtable){
        .struct_size = sizeof(sh_component_vtable),
        .create = bridge_create,
        .destroy = bridge_destroy,
        .open = (callbacks & SHGO_OPEN) ? bridge_open : NULL,
        .process = (callbacks & SHGO_PROCESS) ? bridge_process : NULL,
        .poll = (callbacks & SHGO_POLL) ? bridge_poll : NULL,
        .on_watermark = (callbacks & SHGO_WATERMARK) ? bridge_on_watermark : NULL,
        .on_timer = (callbacks & SHGO_TIMER) ? bridge_on_timer : NULL,
        .snapshot = (callbacks & SHGO_SNAPSHOT) ? bridge_snapshot : NULL,
        .restore = (callbacks & SHGO_RESTORE) ? bridge_restore : NULL,
        .migrate = (callbacks & SHGO_MIGRATE) ? bridge_migrate : NULL,
        .on_checkpoint = (callbacks & SHGO_CHECKPOINT) ? bridge_on_checkpoint : NULL,
        .on_checkpoint_complete = (callbacks & SHGO_CHECKPOINT_COMPLETE) ? bridge_on_checkpoint_complete : NULL,
        .on_checkpoint_abort = (callbacks & SHGO_CHECKPOINT_ABORT) ? bridge_on_checkpoint_abort : NULL,
        .close = (callbacks & SHGO_CLOSE) ? bridge_close : NULL,
    };
    char *component_name = bridge_strdup(name, name_len);
    char *component_description = bridge_strdup(description, description_len);
    char *component_schema = schema_len > 0 ? bridge_strdup(schema, schema_len) : NULL;
    if (!component_name || !component_description || (schema_len > 0 && !component_schema)) return -1;
    bridge_components[index] = (sh_component){
        .struct_size = sizeof(sh_component),
        .kind = (sh_component_kind)kind,
        .name = component_name,
        .description = component_description,
        .config_schema = component_schema,
        .state_version = state_version,
        .input_count = input_count,
        .vtable = vtable,
        .input_formats = input_formats,
        .output_formats = output_formats,
    };
    bridge_component_list[index] = &bridge_components[index];
    return 0;
}

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *host) {
    if (host == NULL) return NULL;
    bridge_host = host;
    /* Builds the descriptor from the Go registrations; nonzero refuses the
     * load (the Go side has written why to stderr: there is no ctx yet). */
    if (shgoEntry() != 0) return NULL;
    return &bridge_descriptor;
}

/* ------------------------------------------------------------------------ */
/* Host calls                                                               */
/* ------------------------------------------------------------------------ */

static void bridge_record(sh_record *record, int64_t timestamp, const void *key, size_t key_len, int key_null,
                          const void *value, size_t value_len, int value_null) {
    static const uint8_t empty = 0;
    record->timestamp = timestamp;
    record->key = key_null ? NULL : (key != NULL ? key : &empty);
    record->key_len = key_null ? 0 : key_len;
    record->value = value_null ? NULL : (value != NULL ? value : &empty);
    record->value_len = value_null ? 0 : value_len;
}

sh_status sh_go_emit(sh_ctx *ctx, int64_t timestamp, const void *key, size_t key_len, int key_null,
                     const void *value, size_t value_len, int value_null) {
    sh_record record;
    bridge_record(&record, timestamp, key, key_len, key_null, value, value_len, value_null);
    return bridge_host->emit(ctx, &record);
}

sh_status sh_go_reject(sh_ctx *ctx, int64_t timestamp, const void *key, size_t key_len, int key_null,
                       const void *value, size_t value_len, int value_null, const char *reason,
                       size_t reason_len) {
    sh_record record;
    bridge_record(&record, timestamp, key, key_len, key_null, value, value_len, value_null);
    bridge_text text;
    const char *reason_text = bridge_text_make(&text, reason, reason_len);
    if (reason_text == NULL) return SH_ERROR;
    sh_status status = bridge_host->reject(ctx, &record, reason_text);
    bridge_text_free(&text);
    return status;
}

sh_status sh_go_emit_side(sh_ctx *ctx, const char *output, size_t output_len, int64_t timestamp,
                          const void *key, size_t key_len, int key_null, const void *value, size_t value_len,
                          int value_null) {
    sh_record record;
    bridge_record(&record, timestamp, key, key_len, key_null, value, value_len, value_null);
    bridge_text text;
    const char *name = bridge_text_make(&text, output, output_len);
    if (name == NULL) return SH_ERROR;
    sh_status status = bridge_host->emit_side(ctx, name, &record);
    bridge_text_free(&text);
    return status;
}

sh_status sh_go_emit_selected(sh_ctx *ctx, const sh_batch *batch, const uint32_t *selection,
                              uint32_t selection_count) {
    sh_batch copy = *batch;
    if (selection != NULL) {
        if (copy.struct_size < offsetof(sh_batch, headers) + sizeof copy.headers) {
            /* A batch of ABI 1.2 or older has no selection member. */
            return SH_INVALID;
        }
        copy.selection = selection;
        copy.selection_count = selection_count;
    }
    return bridge_host->emit_batch(ctx, &copy);
}

void sh_go_set_error(sh_ctx *ctx, const char *message, size_t len) {
    bridge_text text;
    const char *line = bridge_text_make(&text, message, len);
    bridge_host->set_error(ctx, line != NULL ? line : "out of memory while reporting an error");
    bridge_text_free(&text);
}

const char *sh_go_last_error(sh_ctx *ctx) { return bridge_host->last_error(ctx); }

void sh_go_log(sh_ctx *ctx, int32_t level, const char *message, size_t len) {
    bridge_text text;
    const char *line = bridge_text_make(&text, message, len);
    if (line != NULL) bridge_host->log(ctx, (sh_log_level)level, line);
    bridge_text_free(&text);
}

void sh_go_wakeup(sh_ctx *ctx) { bridge_host->wakeup(ctx); }

sh_status sh_go_counter_register(sh_ctx *ctx, const char *name, size_t len, sh_counter_id *out) {
    bridge_text text;
    const char *counter = bridge_text_make(&text, name, len);
    if (counter == NULL) return SH_ERROR;
    sh_status status = bridge_host->counter_register(ctx, counter, out);
    bridge_text_free(&text);
    return status;
}

void sh_go_counter_add(sh_ctx *ctx, sh_counter_id counter, int64_t delta) {
    bridge_host->counter_add(ctx, counter, delta);
}

#define BRIDGE_CONFIG(function, type)                                                          \
    sh_status sh_go_##function(sh_ctx *ctx, const char *key, size_t key_len, type *out) {      \
        bridge_text text;                                                                      \
        const char *path = bridge_text_make(&text, key, key_len);                              \
        if (path == NULL) return SH_ERROR;                                                     \
        sh_status status = bridge_host->function(ctx, path, out);                              \
        bridge_text_free(&text);                                                               \
        return status;                                                                         \
    }

BRIDGE_CONFIG(config_string, const char *)
BRIDGE_CONFIG(config_int64, int64_t)
BRIDGE_CONFIG(config_double, double)
BRIDGE_CONFIG(config_bool, int32_t)

sh_status sh_go_config_json(sh_ctx *ctx, const char *key, size_t key_len, const char **out, size_t *len) {
    bridge_text text;
    const char *path = bridge_text_make(&text, key, key_len);
    if (path == NULL) return SH_ERROR;
    sh_status status = bridge_host->config_json(ctx, path, out, len);
    bridge_text_free(&text);
    return status;
}

int64_t sh_go_current_watermark(sh_ctx *ctx) { return bridge_host->current_watermark(ctx); }
int64_t sh_go_processing_time(sh_ctx *ctx) { return bridge_host->processing_time(ctx); }
sh_status sh_go_emit_watermark(sh_ctx *ctx, int64_t watermark) { return bridge_host->emit_watermark(ctx, watermark); }

sh_status sh_go_state_register(sh_ctx *ctx, int32_t kind, const char *name, size_t name_len, int64_t ttl_ms,
                               sh_state_id *out) {
    bridge_text text;
    const char *state_name = bridge_text_make(&text, name, name_len);
    if (state_name == NULL) return SH_ERROR;
    sh_state_desc desc = {
        .struct_size = sizeof(sh_state_desc), .kind = (sh_state_kind)kind, .name = state_name, .ttl_ms = ttl_ms};
    sh_status status = bridge_host->state_register(ctx, &desc, out);
    bridge_text_free(&text);
    return status;
}

sh_status sh_go_state_get(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len, const uint8_t **value,
                          size_t *value_len) {
    return bridge_host->state_get(ctx, state, key, key_len, value, value_len);
}

sh_status sh_go_state_put(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len, const void *value,
                          size_t value_len) {
    return bridge_host->state_put(ctx, state, key, key_len, value, value_len);
}

sh_status sh_go_state_delete(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len) {
    return bridge_host->state_delete(ctx, state, key, key_len);
}

sh_status sh_go_state_map_get(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len, const void *user_key,
                              size_t user_key_len, const uint8_t **value, size_t *value_len) {
    return bridge_host->state_map_get(ctx, state, key, key_len, user_key, user_key_len, value, value_len);
}

sh_status sh_go_state_map_put(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len, const void *user_key,
                              size_t user_key_len, const void *value, size_t value_len) {
    return bridge_host->state_map_put(ctx, state, key, key_len, user_key, user_key_len, value, value_len);
}

sh_status sh_go_state_map_delete(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len,
                                 const void *user_key, size_t user_key_len) {
    return bridge_host->state_map_delete(ctx, state, key, key_len, user_key, user_key_len);
}

static sh_status bridge_map_visitor(void *user, const uint8_t *user_key, size_t user_key_len, const uint8_t *value,
                                    size_t value_len) {
    return shgoMapVisit((uintptr_t)user, (uint8_t *)user_key, user_key_len, (uint8_t *)value, value_len);
}

sh_status sh_go_state_map_iterate(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len, uintptr_t visit) {
    return bridge_host->state_map_iterate(ctx, state, key, key_len, bridge_map_visitor, (void *)visit);
}

sh_status sh_go_timer_register(sh_ctx *ctx, int32_t domain, const void *key, size_t key_len, int64_t time) {
    return bridge_host->timer_register(ctx, (sh_time_domain)domain, key, key_len, time);
}

sh_status sh_go_timer_delete(sh_ctx *ctx, int32_t domain, const void *key, size_t key_len, int64_t time) {
    return bridge_host->timer_delete(ctx, (sh_time_domain)domain, key, key_len, time);
}

sh_status sh_go_blob(sh_blob *out, const void *data, size_t len) {
    out->data = NULL;
    out->len = 0;
    if (len == 0) return SH_OK;
    uint8_t *copy = bridge_host->alloc(len);
    if (copy == NULL) return SH_ERROR;
    memcpy(copy, data, len);
    out->data = copy;
    out->len = len;
    return SH_OK;
}
