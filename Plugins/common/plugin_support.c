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
