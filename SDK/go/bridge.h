/*
 * bridge.h — the C half of the Go SDK (not part of the ABI).
 *
 * Go cannot call C function pointers, and a Go file that exports functions
 * may not define C functions in its preamble. So the C side lives here:
 * streamhost_plugin_entry, the descriptor built at load time from what the
 * Go side registered, the component callbacks that forward to exported Go
 * functions (shgo_*), and one small function per host-API member that Go
 * calls instead of the member itself.
 *
 * Strings come from Go as pointer + length (Go strings are not
 * NUL-terminated); the bridge copies them into NUL-terminated buffers
 * before the host sees them. Go memory passed in is only read during the
 * call (cgo's pointer rules): the host copies whatever it keeps.
 */
#ifndef STREAMHOST_GO_BRIDGE_H
#define STREAMHOST_GO_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "streamhost.h"

/* Which optional callbacks a component implements (bits of
 * sh_go_set_component's callbacks): only these are set in its vtable, so
 * the host keeps its defaults (forwarding watermarks, no operator state...)
 * for the others. */
enum {
    SHGO_OPEN = 1u << 0,
    SHGO_PROCESS = 1u << 1,
    SHGO_POLL = 1u << 2,
    SHGO_WATERMARK = 1u << 3,
    SHGO_TIMER = 1u << 4,
    SHGO_SNAPSHOT = 1u << 5,
    SHGO_RESTORE = 1u << 6,
    SHGO_MIGRATE = 1u << 7,
    SHGO_CHECKPOINT = 1u << 8,
    SHGO_CHECKPOINT_COMPLETE = 1u << 9,
    SHGO_CHECKPOINT_ABORT = 1u << 10,
    SHGO_CLOSE = 1u << 11
};

/* Descriptor construction, called by the Go side inside
 * streamhost_plugin_entry. Strings are copied. Returns 0, or -1 when out
 * of memory. */
int sh_go_begin_descriptor(const char *name, size_t name_len, const char *version, size_t version_len,
                           uint32_t component_count);
int sh_go_set_component(uint32_t index, int32_t kind, const char *name, size_t name_len, const char *description,
                        size_t description_len, const char *schema, size_t schema_len, uint32_t state_version,
                        uint32_t input_count, uint32_t callbacks, uint32_t input_formats, uint32_t output_formats);

/* The host-API table the plugin was loaded with. */
const sh_host_api *sh_go_host(void);

/* Host calls. key_null/value_null distinguish a null key or value from an
 * empty one. */
sh_status sh_go_emit(sh_ctx *ctx, int64_t timestamp, const void *key, size_t key_len, int key_null,
                     const void *value, size_t value_len, int value_null);
sh_status sh_go_reject(sh_ctx *ctx, int64_t timestamp, const void *key, size_t key_len, int key_null,
                       const void *value, size_t value_len, int value_null, const char *reason,
                       size_t reason_len);
sh_status sh_go_emit_side(sh_ctx *ctx, const char *output, size_t output_len, int64_t timestamp,
                          const void *key, size_t key_len, int key_null, const void *value, size_t value_len,
                          int value_null);
/* Emits the rows of batch (a batch the running callback received) that
 * selection lists (selection_count ascending row indexes), sharing its
 * buffers: a filter's zero-copy pass-through. selection NULL: every row. */
sh_status sh_go_emit_selected(sh_ctx *ctx, const sh_batch *batch, const uint32_t *selection,
                              uint32_t selection_count);
void sh_go_set_error(sh_ctx *ctx, const char *message, size_t len);
const char *sh_go_last_error(sh_ctx *ctx);
void sh_go_log(sh_ctx *ctx, int32_t level, const char *message, size_t len);
void sh_go_wakeup(sh_ctx *ctx);
sh_status sh_go_counter_register(sh_ctx *ctx, const char *name, size_t len, sh_counter_id *out);
void sh_go_counter_add(sh_ctx *ctx, sh_counter_id counter, int64_t delta);
sh_status sh_go_config_string(sh_ctx *ctx, const char *key, size_t key_len, const char **out);
sh_status sh_go_config_int64(sh_ctx *ctx, const char *key, size_t key_len, int64_t *out);
sh_status sh_go_config_double(sh_ctx *ctx, const char *key, size_t key_len, double *out);
sh_status sh_go_config_bool(sh_ctx *ctx, const char *key, size_t key_len, int32_t *out);
sh_status sh_go_config_json(sh_ctx *ctx, const char *key, size_t key_len, const char **out, size_t *len);
int64_t sh_go_current_watermark(sh_ctx *ctx);
int64_t sh_go_processing_time(sh_ctx *ctx);
sh_status sh_go_emit_watermark(sh_ctx *ctx, int64_t watermark);
sh_status sh_go_state_register(sh_ctx *ctx, int32_t kind, const char *name, size_t name_len, int64_t ttl_ms,
                               sh_state_id *out);
sh_status sh_go_state_get(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len, const uint8_t **value,
                          size_t *value_len);
sh_status sh_go_state_put(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len, const void *value,
                          size_t value_len);
sh_status sh_go_state_delete(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len);
sh_status sh_go_state_map_get(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len, const void *user_key,
                              size_t user_key_len, const uint8_t **value, size_t *value_len);
sh_status sh_go_state_map_put(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len, const void *user_key,
                              size_t user_key_len, const void *value, size_t value_len);
sh_status sh_go_state_map_delete(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len,
                                 const void *user_key, size_t user_key_len);
/* Visits a map state's entries through the exported Go function
 * shgoMapVisit with visit (a cgo.Handle of the Go visitor). */
sh_status sh_go_state_map_iterate(sh_ctx *ctx, sh_state_id state, const void *key, size_t key_len, uintptr_t visit);
sh_status sh_go_timer_register(sh_ctx *ctx, int32_t domain, const void *key, size_t key_len, int64_t time);
sh_status sh_go_timer_delete(sh_ctx *ctx, int32_t domain, const void *key, size_t key_len, int64_t time);
/* A blob for snapshot/migrate: len bytes copied into host->alloc memory. */
sh_status sh_go_blob(sh_blob *out, const void *data, size_t len);

#endif
