#include "plugin_support.h"

#include <stdarg.h>
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

const char plugin_digit_pairs[201] =
    "00010203040506070809"
    "10111213141516171819"
    "20212223242526272829"
    "30313233343536373839"
    "40414243444546474849"
    "50515253545556575859"
    "60616263646566676869"
    "70717273747576777879"
    "80818283848586878889"
    "90919293949596979899";

void plugin_strided_free(plugin_strided *position) {
    free(position->done);
    position->done = NULL;
    position->done_count = 0;
    position->done_capacity = 0;
}

sh_status plugin_strided_open(const sh_host_api *host, sh_ctx *ctx, const char *who, plugin_strided *position,
                              uint32_t instance, uint32_t parallelism) {
    if (parallelism == 0 || instance >= parallelism) {
        return plugin_fail(host, ctx, "%s: task info says instance %u of %u, which is impossible", who,
                           (unsigned)instance, (unsigned)parallelism);
    }
    position->first = instance;
    position->next = instance;
    position->stride = parallelism;
    for (size_t i = 0; i < position->done_count; i++) {
        const plugin_stride_entry *done = &position->done[i];
        if (done->stride == position->stride && done->first == position->first && done->next > position->next) {
            position->next = done->next;
        }
    }
    return SH_OK;
}

/* Whether record n was made before the restore (by any instance). */
static int plugin_strided_was_done(const plugin_strided *position, uint64_t n) {
    for (size_t i = 0; i < position->done_count; i++) {
        const plugin_stride_entry *done = &position->done[i];
        if (n < done->next && n % done->stride == done->first) return 1;
    }
    return 0;
}

void plugin_strided_skip_done(plugin_strided *position) {
    if (position->done_count == 0) return;
    while (plugin_strided_was_done(position, position->next)) position->next += position->stride;
    size_t kept = 0;
    for (size_t i = 0; i < position->done_count; i++) {
        if (position->done[i].next > position->next) position->done[kept++] = position->done[i];
    }
    position->done_count = kept;
}

sh_status plugin_strided_snapshot(const sh_host_api *host, sh_ctx *ctx, const char *who, uint32_t magic,
                                  const plugin_strided *position, sh_blob *out) {
    size_t entries = 1 + position->done_count;
    size_t len = 8 + entries * 24;
    uint8_t *data = host->alloc(len);
    if (data == NULL) return plugin_fail(host, ctx, "%s: out of memory writing a snapshot", who);
    plugin_put_le(data, (uint64_t)magic | (uint64_t)entries << 32, 8);
    plugin_put_le(data + 8, position->stride, 8);
    plugin_put_le(data + 16, position->first, 8);
    plugin_put_le(data + 24, position->next, 8);
    for (size_t i = 0; i < position->done_count; i++) {
        plugin_put_le(data + 32 + i * 24, position->done[i].stride, 8);
        plugin_put_le(data + 40 + i * 24, position->done[i].first, 8);
        plugin_put_le(data + 48 + i * 24, position->done[i].next, 8);
    }
    out->data = data;
    out->len = len;
    return SH_OK;
}

sh_status plugin_strided_restore(const sh_host_api *host, sh_ctx *ctx, const char *who, uint32_t magic,
                                 plugin_strided *position, const uint8_t *data, size_t len) {
    uint64_t header = len >= 8 ? plugin_get_le(data, 8) : 0;
    size_t entries = (size_t)(header >> 32);
    if (len < 8 || (uint32_t)header != magic || len != 8 + entries * 24) {
        return plugin_fail(host, ctx, "%s: the restored state is not a %s position (%zu bytes)", who, who, len);
    }
    for (size_t i = 0; i < entries; i++) {
        const uint8_t *entry = data + 8 + i * 24;
        plugin_stride_entry done = {plugin_get_le(entry, 8), plugin_get_le(entry + 8, 8), plugin_get_le(entry + 16, 8)};
        if (done.stride == 0 || done.first >= done.stride) {
            return plugin_fail(host, ctx, "%s: restored position %zu is impossible (stride %llu, first %llu)", who, i,
                               (unsigned long long)done.stride, (unsigned long long)done.first);
        }
        if (position->done_count == position->done_capacity) {
            size_t capacity = position->done_capacity == 0 ? 4 : position->done_capacity * 2;
            plugin_stride_entry *grown = realloc(position->done, capacity * sizeof *grown);
            if (grown == NULL) return plugin_fail(host, ctx, "%s: out of memory restoring its position", who);
            position->done = grown;
            position->done_capacity = capacity;
        }
        position->done[position->done_count++] = done;
    }
    return SH_OK;
}
