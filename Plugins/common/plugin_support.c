#include "plugin_support.h"

#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

sh_status plugin_fail(const sh_host_api *host, sh_ctx *ctx, const char *format, ...) {
    char message[1024];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    host->set_error(ctx, message);
    return SH_ERROR;
}

sh_status plugin_config_failure(const sh_host_api *host, sh_ctx *ctx, const char *who, const char *key,
                                const char *expected, sh_status status) {
    return plugin_fail(host, ctx, "%s: config '%s' must be %s (host status %d: %s)", who, key, expected, (int)status,
                       host->last_error(ctx));
}

int plugin_reserve_bytes(uint8_t **buffer, size_t *capacity, size_t needed, size_t initial) {
    if (needed <= *capacity) return 1;
    size_t grown = *capacity ? *capacity : initial;
    while (grown < needed) grown *= 2;
    uint8_t *moved = realloc(*buffer, grown);
    if (moved == NULL) return 0;
    *buffer = moved;
    *capacity = grown;
    return 1;
}

sh_status plugin_topic_partitions(const sh_host_api *host, sh_ctx *ctx, const char *who, const char *topic,
                                  uint32_t *out) {
    sh_status status = host->log_partitions(ctx, topic, out);
    if (status == SH_NOT_FOUND) {
        /* Topics are not created on first use (Kafka's auto-create is off here). */
        return plugin_fail(host, ctx,
                           "%s: topic '%.200s' does not exist; create it first with `streamhost topics create "
                           "%.200s [--partitions N]`",
                           who, topic, topic);
    }
    if (status != SH_OK) {
        return plugin_fail(host, ctx, "%s: cannot read the partitions of topic '%.200s' (status %d): %s", who, topic,
                           (int)status, host->last_error(ctx));
    }
    return SH_OK;
}

/* ------------------------------------------------------------------------ */
/* Record headers                                                           */
/* ------------------------------------------------------------------------ */

/* The arrays are BORROWED by the host, which never releases them; a
 * release callback must still be set (NULL means "released"). */
static void plugin_headers_release_nothing(struct ArrowArray *array) { (void)array; }

/* Grows an int32 offsets buffer to `count` entries. */
static int reserve_offsets(int32_t **offsets, size_t *capacity, size_t count) {
    uint8_t *bytes = (uint8_t *)*offsets;
    if (!plugin_reserve_bytes(&bytes, capacity, count * sizeof(int32_t), 256)) return 0;
    *offsets = (int32_t *)bytes;
    return 1;
}

int plugin_headers_add(plugin_headers *h, const sh_batch *batch, uint32_t row) {
    if (h->records == 0 && !reserve_offsets(&h->lists, &h->lists_capacity, 1)) return 0;
    if (h->records == 0) h->lists[0] = 0;
    if (h->entries == 0) {
        if (!reserve_offsets(&h->key_offsets, &h->key_offsets_capacity, 1) ||
            !reserve_offsets(&h->value_offsets, &h->value_offsets_capacity, 1))
            return 0;
        h->key_offsets[0] = 0;
        h->value_offsets[0] = 0;
    }
    uint32_t count = sh_batch_header_count(batch, row);
    if (!reserve_offsets(&h->lists, &h->lists_capacity, (size_t)h->records + 2) ||
        !reserve_offsets(&h->key_offsets, &h->key_offsets_capacity, (size_t)h->entries + count + 1) ||
        !reserve_offsets(&h->value_offsets, &h->value_offsets_capacity, (size_t)h->entries + count + 1) ||
        !plugin_reserve_bytes(&h->value_validity, &h->value_validity_capacity, ((size_t)h->entries + count + 8) / 8,
                              64))
        return 0;
    for (uint32_t j = 0; j < count; j++) {
        const uint8_t *key, *value;
        size_t key_len, value_len;
        sh_batch_header(batch, row, j, &key, &key_len, &value, &value_len);
        size_t keys_used = (size_t)h->key_offsets[h->entries];
        size_t values_used = (size_t)h->value_offsets[h->entries];
        if (keys_used + key_len > INT32_MAX || values_used + value_len > INT32_MAX) return 0;
        if (!plugin_reserve_bytes(&h->keys, &h->keys_capacity, keys_used + key_len + 1, 256) ||
            !plugin_reserve_bytes(&h->values, &h->values_capacity, values_used + value_len + 1, 256))
            return 0;
        if (key_len > 0) memcpy(h->keys + keys_used, key, key_len);
        if (value_len > 0) memcpy(h->values + values_used, value, value_len);
        uint32_t e = h->entries;
        h->key_offsets[e + 1] = (int32_t)(keys_used + key_len);
        h->value_offsets[e + 1] = (int32_t)(values_used + value_len);
        if (value != NULL) {
            h->value_validity[e >> 3] |= (uint8_t)(1u << (e & 7));
        } else {
            h->value_validity[e >> 3] &= (uint8_t)~(1u << (e & 7));
            h->value_nulls++;
        }
        h->entries = e + 1;
        h->any = 1;
    }
    h->lists[h->records + 1] = (int32_t)h->entries;
    h->records++;
    return 1;
}

const struct ArrowArray *plugin_headers_array(plugin_headers *h) {
    if (!h->any) return NULL;
    h->key_buffers[0] = NULL;
    h->key_buffers[1] = h->key_offsets;
    h->key_buffers[2] = h->keys;
    h->key_array = (struct ArrowArray){
        .length = h->entries, .null_count = 0, .n_buffers = 3, .buffers = h->key_buffers,
        .release = plugin_headers_release_nothing};
    h->value_buffers[0] = h->value_nulls > 0 ? h->value_validity : NULL;
    h->value_buffers[1] = h->value_offsets;
    h->value_buffers[2] = h->values;
    h->value_array = (struct ArrowArray){
        .length = h->entries, .null_count = h->value_nulls, .n_buffers = 3, .buffers = h->value_buffers,
        .release = plugin_headers_release_nothing};
    h->pairs_children[0] = &h->key_array;
    h->pairs_children[1] = &h->value_array;
    h->pairs_buffers[0] = NULL;
    h->pairs_array = (struct ArrowArray){
        .length = h->entries, .null_count = 0, .n_buffers = 1, .buffers = h->pairs_buffers, .n_children = 2,
        .children = h->pairs_children, .release = plugin_headers_release_nothing};
    h->list_children[0] = &h->pairs_array;
    h->list_buffers[0] = NULL;
    h->list_buffers[1] = h->lists;
    h->list_array = (struct ArrowArray){
        .length = h->records, .null_count = 0, .n_buffers = 2, .buffers = h->list_buffers, .n_children = 1,
        .children = h->list_children, .release = plugin_headers_release_nothing};
    return &h->list_array;
}

void plugin_headers_clear(plugin_headers *h) {
    h->records = 0;
    h->entries = 0;
    h->any = 0;
    h->value_nulls = 0;
}

void plugin_headers_free(plugin_headers *h) {
    free(h->lists);
    free(h->key_offsets);
    free(h->keys);
    free(h->value_offsets);
    free(h->values);
    free(h->value_validity);
    *h = (plugin_headers){0};
}
