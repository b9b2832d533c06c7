/*
 * big-orders — an operator written in C against SDK/include only.
 *
 * Keeps the orders whose top-level "amount" field is at least min_amount
 * (default 100) and drops the others. A record it cannot judge — a null
 * value, a value that is not a JSON object, no "amount" field, an "amount"
 * that is not a number — goes to the job's dead-letter destination through
 * host->reject with the reason, and the job goes on.
 *
 * Build:  cc -shared -fPIC -O2 -Wall -Wextra -I ../../SDK/include \
 *             -o libbig-orders.so big_orders.c
 *
 * The record is read with SDK/include/streamhost_json.h, the header-only
 * JSON helper (not ABI), so the operator holds no scanner of its own.
 *
 * Everything but the entry point is static, so the library exports exactly
 * one symbol, streamhost_plugin_entry.
 */
#include "streamhost.h"
#include "streamhost_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The JSON Schema of the config; the host validates the step's config
 * against it and fills in the default. */
static const char big_orders_schema[] =
    "{"
    "\"type\":\"object\","
    "\"properties\":{"
    "\"min_amount\":{\"type\":\"number\",\"default\":100,"
    "\"description\":\"Orders whose amount is at least this pass; the others are dropped.\"}"
    "},"
    "\"additionalProperties\":false"
    "}";

/* The host-API table, static for the life of the process. */
static const sh_host_api *host;

typedef struct big_orders {
    double min_amount;
    sh_counter_id dropped_counter;
} big_orders;

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                */
/* ------------------------------------------------------------------------ */

static sh_status big_orders_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    double min_amount = 100;
    sh_status status = host->config_double(ctx, "min_amount", &min_amount);
    if (status == SH_WRONG_TYPE) {
        /* An integer is a JSON Schema "number" too. */
        int64_t integer = 0;
        status = host->config_int64(ctx, "min_amount", &integer);
        min_amount = (double)integer;
    }
    if (status == SH_NOT_FOUND) {
        min_amount = 100;
    } else if (status != SH_OK) {
        char message[300];
        snprintf(message, sizeof message, "big-orders: config 'min_amount' must be a number (host status %d: %s)",
                 (int)status, host->last_error(ctx));
        host->set_error(ctx, message);
        return SH_ERROR;
    }

    big_orders *self = calloc(1, sizeof *self);
    if (self == NULL) {
        host->set_error(ctx, "big-orders: out of memory");
        return SH_ERROR;
    }
    self->min_amount = min_amount;
    if (host->counter_register(ctx, "dropped", &self->dropped_counter) != SH_OK) {
        char message[300];
        snprintf(message, sizeof message, "big-orders: cannot register counter 'dropped': %s", host->last_error(ctx));
        host->set_error(ctx, message);
        free(self);
        return SH_ERROR;
    }
    *out = self;
    return SH_OK;
}

static void big_orders_destroy(void *self) {
    free(self);
}

static sh_status big_orders_process(void *instance, sh_ctx *ctx, const sh_batch *batch) {
    big_orders *self = instance;
    int64_t dropped = 0;
    for (uint32_t i = 0; i < batch->count; i++) {
        sh_record record;
        sh_batch_record(batch, i, &record);

        const char *reason = NULL;
        double amount = 0;
        if (record.value == NULL) {
            reason = "big-orders: the value is null";
        } else {
            /* The SDK's JSON helper reads the record under the host's rule. */
            sh_json_value field;
            switch (sh_json_find(record.value, record.value_len, "amount", &field, NULL)) {
            case SH_JSON_OK:
                if (sh_json_double(&field, &amount) != SH_JSON_OK) reason = "big-orders: field 'amount' is not a number";
                break;
            case SH_JSON_MISSING: reason = "big-orders: field 'amount' is missing"; break;
            case SH_JSON_NOT_AN_OBJECT: reason = "big-orders: the value is not a JSON object"; break;
            default: reason = "big-orders: the value is not valid JSON"; break;
            }
        }

        sh_status status = SH_OK;
        const char *what = NULL;
        if (reason != NULL) {
            status = host->reject(ctx, &record, reason);
            what = "reject";
        } else if (amount >= self->min_amount) {
            status = host->emit(ctx, &record);
            what = "emit";
        } else {
            dropped++;
        }
        if (status != SH_OK) {
            char message[300];
            snprintf(message, sizeof message, "big-orders: %s of record %u of the batch failed (status %d): %s", what,
                     (unsigned)i, (int)status, host->last_error(ctx));
            host->set_error(ctx, message);
            host->counter_add(ctx, self->dropped_counter, dropped);
            return SH_ERROR;
        }
    }
    if (dropped > 0) host->counter_add(ctx, self->dropped_counter, dropped);
    return SH_OK;
}

/* ------------------------------------------------------------------------ */
/* The descriptor                                                           */
/* ------------------------------------------------------------------------ */

static const sh_component_vtable big_orders_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = big_orders_create,
    .destroy = big_orders_destroy,
    .process = big_orders_process,
};

static const sh_component big_orders_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "big-orders",
    .description = "Keeps orders whose amount is at least min_amount",
    .config_schema = big_orders_schema,
    .state_version = 1,
    .input_count = 1,
    .vtable = &big_orders_vtable,
};

static const sh_component *const big_orders_components[] = {&big_orders_component};

static const sh_plugin_descriptor big_orders_descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "big-orders",
    .version = "1.0.0",
    .components = big_orders_components,
    .function_count = 0,
    .functions = NULL,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &big_orders_descriptor;
}
