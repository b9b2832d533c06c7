/*
 * blackhole — discards records, counting them: SINK "blackhole".
 *
 * Counts records and key + value bytes (null keys and values count 0) in
 * the counters "records" and "bytes"; it takes typed columns too (ABI
 * 1.3), counting their records without writing their values out (bytes
 * then counts the keys alone). On close, with print (the default),
 * logs "blackhole: N records, M bytes" for the instance. It is the sink
 * benchmarks use to measure everything upstream of it.
 */
#include "streamhost.h"
#include "plugin_support.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static const char blackhole_schema[] =
    "{"
    "\"type\":\"object\","
    "\"description\":\"Discards records, counting records and bytes.\","
    "\"properties\":{"
    "\"print\":{\"type\":\"boolean\",\"default\":true,"
    "\"description\":\"Log the instance's record and byte counts when the input ends.\"}"
    "},"
    "\"additionalProperties\":false"
    "}";

typedef struct blackhole {
    int print;
    uint64_t records;
    uint64_t bytes;
    sh_counter_id records_counter;
    sh_counter_id bytes_counter;
} blackhole;

SH_PLUGIN_HOST(host);

static void blackhole_destroy(void *self) {
    free(self);
}

static sh_status blackhole_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    int32_t print = 1;
    sh_status status = host->config_bool(ctx, "print", &print);
    if (status == SH_NOT_FOUND) {
        print = 1;
    } else if (status != SH_OK) {
        return plugin_fail(host, ctx, "blackhole: config 'print' must be a boolean (host status %d: %s)",
                           (int)status, host->last_error(ctx));
    }
    blackhole *sink = calloc(1, sizeof *sink);
    if (sink == NULL) {
        host->set_error(ctx, "blackhole: out of memory creating the instance");
        return SH_ERROR;
    }
    sink->print = print != 0;
    if (host->counter_register(ctx, "records", &sink->records_counter) != SH_OK ||
        host->counter_register(ctx, "bytes", &sink->bytes_counter) != SH_OK) {
        char message[300];
        snprintf(message, sizeof message, "blackhole: cannot register its counters: %s", host->last_error(ctx));
        host->set_error(ctx, message);
        free(sink);
        return SH_ERROR;
    }
    *out = sink;
    return SH_OK;
}

static sh_status blackhole_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    blackhole *sink = self;
    uint32_t count = batch->count;
    uint64_t bytes = 0;
    if (batch->format == SH_FORMAT_COLUMNS) {
        /* Typed columns: count the selected rows and their keys; the
         * values stay in their columns. */
        count = sh_batch_record_count(batch);
        for (uint32_t j = 0; batch->key_offsets != NULL && j < count; j++) {
            size_t length = 0;
            (void)sh_batch_key(batch, sh_batch_row(batch, j), &length);
            bytes += length;
        }
    } else if (count > 0) {
        if (batch->flags == NULL) {
            /* No nulls: the byte totals are the spans of the offset columns. */
            bytes = (uint64_t)(batch->value_offsets[count] - batch->value_offsets[0]);
            if (batch->key_offsets != NULL) bytes += (uint64_t)(batch->key_offsets[count] - batch->key_offsets[0]);
        } else {
            for (uint32_t i = 0; i < count; i++) {
                sh_record record;
                sh_batch_record(batch, i, &record);
                bytes += record.key_len + record.value_len;
            }
        }
    }
    sink->records += count;
    sink->bytes += bytes;
    host->counter_add(ctx, sink->records_counter, (int64_t)count);
    host->counter_add(ctx, sink->bytes_counter, (int64_t)bytes);
    return SH_OK;
}

static sh_status blackhole_close(void *self, sh_ctx *ctx) {
    blackhole *sink = self;
    if (sink->print) {
        char message[128];
        snprintf(message, sizeof message, "blackhole: %" PRIu64 " records, %" PRIu64 " bytes", sink->records,
                 sink->bytes);
        host->log(ctx, SH_MSG_INFO, message);
    }
    return SH_OK;
}

static const sh_component_vtable blackhole_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = blackhole_create,
    .destroy = blackhole_destroy,
    .process = blackhole_process,
    .close = blackhole_close,
};

static const sh_component blackhole_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SINK,
    .name = "blackhole",
    .description = "Discards records, counting records and key + value bytes",
    .config_schema = blackhole_schema,
    .state_version = 1,
    .input_count = 0,
    .vtable = &blackhole_vtable,
    .input_formats = SH_FORMAT_BYTES | SH_FORMAT_COLUMNS,
};

static const sh_component *const blackhole_components[] = {&blackhole_component};

SH_PLUGIN_ENTRY(host, "blackhole", STREAMHOST_FIRST_PARTY_VERSION, blackhole_components)
