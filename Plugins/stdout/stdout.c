/*
 * stdout — writes records to standard output: SINK "stdout".
 *
 * format "value" writes each record's value bytes and a newline (a null
 * value writes an empty line). format "json" writes one object per line,
 *
 *   {"timestamp":T,"key":K,"value":V}
 *
 * where K and V are JSON strings, or null for a null key or value. Bytes
 * that are not UTF-8 become U+FFFD, so every line is valid JSON.
 *
 * Each batch is rendered into the instance's buffer and written with as few
 * write(2) calls as possible under a process-wide lock: the instances of a
 * step run on several threads, and the lock is what keeps their lines from
 * interleaving mid-line (a pipe guarantees atomic writes only up to
 * PIPE_BUF bytes).
 */
#if !defined(__APPLE__) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* write, poll under -std=c11 */
#endif

#include "streamhost.h"
#include "plugin_support.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A batch is written in pieces of about this size, each ending at a line
 * end, so the buffer stays bounded whatever the batch size. */
#define STDOUT_FLUSH_BYTES (1u << 20)

static const char stdout_schema[] =
    "{"
    "\"type\":\"object\","
    "\"description\":\"Writes records to standard output, one per line.\","
    "\"properties\":{"
    "\"format\":{\"type\":\"string\",\"enum\":[\"value\",\"json\"],\"default\":\"value\","
    "\"description\":\"value: the value bytes and a newline; "
    "json: {\\\"timestamp\\\":T,\\\"key\\\":K,\\\"value\\\":V} per line with K and V as JSON strings or null.\"}"
    "},"
    "\"additionalProperties\":false"
    "}";

typedef enum stdout_format { STDOUT_FORMAT_VALUE, STDOUT_FORMAT_JSON } stdout_format;

typedef struct stdout_sink {
    stdout_format format;
    uint8_t *buffer;
    size_t length;
    size_t capacity;
} stdout_sink;

SH_PLUGIN_HOST(host);

/* Serializes writes of all instances to file descriptor 1. */
static pthread_mutex_t stdout_write_lock = PTHREAD_MUTEX_INITIALIZER;

/* ------------------------------------------------------------------------ */
/* Output                                                                   */
/* ------------------------------------------------------------------------ */

/* Writes all of data to standard output; returns 0 or an errno value. */
static int write_all(const uint8_t *data, size_t length) {
    int error = 0;
    pthread_mutex_lock(&stdout_write_lock);
    while (length > 0) {
        ssize_t written = write(STDOUT_FILENO, data, length);
        if (written < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                /* A non-blocking standard output: wait until it drains. */
                struct pollfd descriptor = {.fd = STDOUT_FILENO, .events = POLLOUT, .revents = 0};
                if (poll(&descriptor, 1, -1) < 0 && errno != EINTR) {
                    error = errno;
                    break;
                }
                continue;
            }
            error = errno;
            break;
        }
        if (written == 0) {
            error = EIO;
            break;
        }
        data += written;
        length -= (size_t)written;
    }
    pthread_mutex_unlock(&stdout_write_lock);
    return error;
}

static sh_status stdout_flush(stdout_sink *sink, sh_ctx *ctx) {
    if (sink->length == 0) return SH_OK;
    int error = write_all(sink->buffer, sink->length);
    sink->length = 0;
    if (error != 0) {
        return plugin_fail(host, ctx, "stdout: writing to standard output (fd 1) failed: %s", strerror(error));
    }
    return SH_OK;
}

/* Makes room for extra more bytes. */
static sh_status stdout_reserve(stdout_sink *sink, sh_ctx *ctx, size_t extra) {
    if (sink->capacity - sink->length >= extra) return SH_OK;
    size_t capacity = sink->capacity < 4096 ? 4096 : sink->capacity;
    while (capacity - sink->length < extra) {
        if (capacity > SIZE_MAX / 2) {
            host->set_error(ctx, "stdout: a record is too large to render");
            return SH_ERROR;
        }
        capacity *= 2;
    }
    uint8_t *buffer = realloc(sink->buffer, capacity);
    if (buffer == NULL) {
        return plugin_fail(host, ctx, "stdout: out of memory growing the output buffer to %zu bytes", capacity);
    }
    sink->buffer = buffer;
    sink->capacity = capacity;
    return SH_OK;
}

/* ------------------------------------------------------------------------ */
/* JSON rendering                                                           */
/* ------------------------------------------------------------------------ */

static const char hex_digits[] = "0123456789abcdef";

/* The length of the well-formed UTF-8 sequence at s (at most n bytes), or
 * 0 when the bytes there are not one (RFC 3629, table 3-7 of Unicode). */
static size_t utf8_sequence_length(const uint8_t *s, size_t n) {
    uint8_t b0 = s[0];
    if (b0 < 0x80) return 1;
    if (b0 >= 0xc2 && b0 <= 0xdf) return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (b0 >= 0xe0 && b0 <= 0xef) {
        if (n < 3 || (s[2] & 0xc0) != 0x80) return 0;
        uint8_t lo = b0 == 0xe0 ? 0xa0 : 0x80;
        uint8_t hi = b0 == 0xed ? 0x9f : 0xbf;
        return s[1] >= lo && s[1] <= hi ? 3 : 0;
    }
    if (b0 >= 0xf0 && b0 <= 0xf4) {
        if (n < 4 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80) return 0;
        uint8_t lo = b0 == 0xf0 ? 0x90 : 0x80;
        uint8_t hi = b0 == 0xf4 ? 0x8f : 0xbf;
        return s[1] >= lo && s[1] <= hi ? 4 : 0;
    }
    return 0;
}

/* Appends s as a JSON string, or null. The caller reserved 6 * n + 2. */
static uint8_t *put_json_string(uint8_t *p, const uint8_t *s, size_t n) {
    if (s == NULL) {
        memcpy(p, "null", 4);
        return p + 4;
    }
    *p++ = '"';
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *p++ = c;
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t length = utf8_sequence_length(s + i, n - i);
            if (length == 0) {
                memcpy(p, "\\ufffd", 6);
                p += 6;
                i++;
            } else {
                memcpy(p, s + i, length);
                p += length;
                i += length;
            }
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\b': *p++ = 'b'; break;
        case '\f': *p++ = 'f'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default:
            p[0] = 'u';
            p[1] = '0';
            p[2] = '0';
            p[3] = (uint8_t)hex_digits[c >> 4];
            p[4] = (uint8_t)hex_digits[c & 15];
            p += 5;
            break;
        }
        i++;
    }
    *p++ = '"';
    return p;
}

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                */
/* ------------------------------------------------------------------------ */

static void stdout_destroy(void *self) {
    stdout_sink *sink = self;
    if (sink == NULL) return;
    free(sink->buffer);
    free(sink);
}

static sh_status stdout_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    stdout_format format = STDOUT_FORMAT_VALUE;
    const char *text = NULL;
    sh_status status = host->config_string(ctx, "format", &text);
    if (status == SH_OK) {
        if (strcmp(text, "value") == 0) {
            format = STDOUT_FORMAT_VALUE;
        } else if (strcmp(text, "json") == 0) {
            format = STDOUT_FORMAT_JSON;
        } else {
            return plugin_fail(host, ctx, "stdout: config 'format' is \"%.100s\"; it must be \"value\" or \"json\"",
                               text);
        }
    } else if (status != SH_NOT_FOUND) {
        return plugin_fail(host, ctx, "stdout: config 'format' must be a string (host status %d: %s)", (int)status,
                           host->last_error(ctx));
    }
    stdout_sink *sink = calloc(1, sizeof *sink);
    if (sink == NULL) {
        host->set_error(ctx, "stdout: out of memory creating the instance");
        return SH_ERROR;
    }
    sink->format = format;
    *out = sink;
    return SH_OK;
}

static sh_status stdout_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    stdout_sink *sink = self;
    for (uint32_t i = 0; i < batch->count; i++) {
        sh_record record;
        sh_batch_record(batch, i, &record);
        size_t needed;
        if (sink->format == STDOUT_FORMAT_VALUE) {
            needed = record.value_len + 1;
        } else {
            /* {"timestamp":-9223372036854775808,"key":K,"value":V}\n with
             * K and V escaped: at most 6 bytes per input byte. */
            if (record.key_len > (SIZE_MAX - 128) / 12 || record.value_len > (SIZE_MAX - 128) / 12) {
                host->set_error(ctx, "stdout: a record is too large to render");
                return SH_ERROR;
            }
            needed = 6 * record.key_len + 6 * record.value_len + 72;
        }
        if (sink->length > 0 && sink->length + needed > STDOUT_FLUSH_BYTES) {
            if (stdout_flush(sink, ctx) != SH_OK) return SH_ERROR;
        }
        if (stdout_reserve(sink, ctx, needed) != SH_OK) return SH_ERROR;
        uint8_t *p = sink->buffer + sink->length;
        if (sink->format == STDOUT_FORMAT_VALUE) {
            if (record.value_len > 0) memcpy(p, record.value, record.value_len);
            p += record.value_len;
        } else {
            p += sprintf((char *)p, "{\"timestamp\":%" PRId64 ",\"key\":", record.timestamp);
            p = put_json_string(p, record.key, record.key_len);
            memcpy(p, ",\"value\":", 9);
            p += 9;
            p = put_json_string(p, record.value, record.value_len);
            *p++ = '}';
        }
        *p++ = '\n';
        sink->length = (size_t)(p - sink->buffer);
    }
    return stdout_flush(sink, ctx);
}

/* ------------------------------------------------------------------------ */
/* The descriptor                                                           */
/* ------------------------------------------------------------------------ */

static const sh_component_vtable stdout_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = stdout_create,
    .destroy = stdout_destroy,
    .process = stdout_process,
};

static const sh_component stdout_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SINK,
    .name = "stdout",
    .description = "Writes each record to standard output, one line per record",
    .config_schema = stdout_schema,
    .state_version = 1,
    .input_count = 0,
    .vtable = &stdout_vtable,
};

static const sh_component *const stdout_components[] = {&stdout_component};

SH_PLUGIN_ENTRY(host, "stdout", STREAMHOST_FIRST_PARTY_VERSION, stdout_components)
