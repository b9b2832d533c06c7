/*
 * plugin_support.h — small helpers the first-party C plugins share.
 *
 * Not part of the ABI: plugins outside this repository need only
 * SDK/include/streamhost.h. Compiled into each plugin with hidden
 * visibility, so a plugin still exports nothing but its entry point.
 */
#ifndef STREAMHOST_PLUGIN_SUPPORT_H
#define STREAMHOST_PLUGIN_SUPPORT_H

#include "streamhost.h"
#include "streamhost_version.h"

#include <stddef.h>
#include <stdint.h>

/* The version of every first-party plugin: they ship with the host, so
 * they carry its version (`streamhost --version`, sh_host_api.host_version). */
#define STREAMHOST_FIRST_PARTY_VERSION STREAMHOST_VERSION

/* Formats a message (printf-style, at most 1 KiB), hands it to
 * host->set_error and returns SH_ERROR: `return plugin_fail(host, ctx, ...)`. */
__attribute__((visibility("hidden"), format(printf, 3, 4)))
sh_status plugin_fail(const sh_host_api *host, sh_ctx *ctx, const char *format, ...);

/* "<who>: config '<key>' must be <expected> (host status N: <last_error>)". */
__attribute__((visibility("hidden")))
sh_status plugin_config_failure(const sh_host_api *host, sh_ctx *ctx, const char *who, const char *key,
                                const char *expected, sh_status status);

/* Grows *buffer (doubling from `initial`) to hold at least `needed` bytes;
 * 0 on allocation failure, the buffer unchanged. */
__attribute__((visibility("hidden")))
int plugin_reserve_bytes(uint8_t **buffer, size_t *capacity, size_t needed, size_t initial);

/* The partition count of `topic` into *out, or SH_ERROR with a message
 * naming <who> and the topic (missing topic, or the host's error). */
__attribute__((visibility("hidden")))
sh_status plugin_topic_partitions(const sh_host_api *host, sh_ctx *ctx, const char *who, const char *topic,
                                  uint32_t *out);

/* Little-endian integers of `bytes` bytes (1..8) in operator-state blobs:
 * the same on every host, whatever its byte order. */
static inline void plugin_put_le(uint8_t *out, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; i++) out[i] = (uint8_t)(value >> (8 * i));
}

static inline uint64_t plugin_get_le(const uint8_t *in, int bytes) {
    uint64_t value = 0;
    for (int i = 0; i < bytes; i++) value |= (uint64_t)in[i] << (8 * i);
    return value;
}

/* Record headers collected record by record, handed to the host as a
 * batch's headers column (sh_batch.headers, ABI 1.3): a plugin that
 * regroups the records it received (the log sink buffers them per
 * partition) keeps each record's headers with it. Zero-initialize, add one
 * record at a time (plugin_headers_add, with or without headers), take
 * the array for the batch being handed over (plugin_headers_array), then
 * plugin_headers_clear; plugin_headers_free releases the memory. */
typedef struct plugin_headers {
    uint32_t records;        /* records added */
    uint32_t entries;        /* headers added */
    int any;                 /* some record has a header */
    int32_t *lists;          /* records + 1 offsets into the entries */
    size_t lists_capacity;   /* bytes */
    int32_t *key_offsets;    /* entries + 1 */
    size_t key_offsets_capacity;
    uint8_t *keys;
    size_t keys_capacity;
    int32_t *value_offsets;  /* entries + 1 */
    size_t value_offsets_capacity;
    uint8_t *values;
    size_t values_capacity;
    uint8_t *value_validity; /* one bit per entry: 0 = a header without a value */
    size_t value_validity_capacity;
    int64_t value_nulls;
    /* The arrays plugin_headers_array fills; BORROWED by the host for the
     * call they are passed to. */
    struct ArrowArray list_array, pairs_array, key_array, value_array;
    const void *list_buffers[2], *pairs_buffers[1], *key_buffers[3], *value_buffers[3];
    struct ArrowArray *list_children[1], *pairs_children[2];
} plugin_headers;

/* Adds row `row` of `batch` as the next record, with its headers (none
 * when the batch has no headers column); 0 on allocation failure or when
 * the headers pass 2 GiB. */
__attribute__((visibility("hidden")))
int plugin_headers_add(plugin_headers *h, const sh_batch *batch, uint32_t row);

/* The records' headers as an ArrowArray for sh_batch.headers, or NULL when
 * no record added since the last clear has any. Valid until the next add,
 * clear or free. */
__attribute__((visibility("hidden")))
const struct ArrowArray *plugin_headers_array(plugin_headers *h);

/* Forgets the records added (keeps the memory). */
__attribute__((visibility("hidden")))
void plugin_headers_clear(plugin_headers *h);

__attribute__((visibility("hidden")))
void plugin_headers_free(plugin_headers *h);

#endif
