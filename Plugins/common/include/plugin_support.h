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

#endif
