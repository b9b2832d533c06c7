/*
 * int64-above — a columnar operator (ABI 1.3): keeps the records whose
 * int64 field `field` is greater than `above`, without copying them.
 *
 * It takes typed columns only (input_formats = SH_FORMAT_COLUMNS), so the
 * host hands process an Arrow struct array; it reads one child column,
 * writes the rows to keep into a selection vector, and emits its input
 * batch back with that selection: the host recognizes its own columns and
 * shares them (zero-copy). Nulls (a null field, a null record) are not
 * greater than anything and are dropped.
 *
 *     cc -shared -fPIC -O2 -I SDK/include -o libint64-above.so int64_above.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "streamhost.h"

SH_PLUGIN_HOST(host);

typedef struct above {
    char field[128];
    int64_t above;
    uint32_t *selection;  /* reused from batch to batch */
    uint32_t capacity;
    sh_counter_id dropped;
} above;

static sh_status fail(sh_ctx *ctx, const char *message) {
    host->set_error(ctx, message);
    return SH_ERROR;
}

static sh_status above_create(sh_ctx *ctx, const sh_component *component, const char *config, size_t config_len,
                              void **out) {
    (void)component; (void)config; (void)config_len;
    above *self = calloc(1, sizeof *self);
    if (self == NULL) return fail(ctx, "int64-above: out of memory");
    const char *field = NULL;
    if (host->config_string(ctx, "field", &field) != SH_OK || strlen(field) >= sizeof self->field ||
        host->config_int64(ctx, "above", &self->above) != SH_OK) {
        free(self);
        return fail(ctx, "int64-above: config needs 'field' (a name) and 'above' (an integer)");
    }
    strcpy(self->field, field);
    host->counter_register(ctx, "dropped", &self->dropped);
    *out = self;
    return SH_OK;
}

static void above_destroy(void *self) {
    if (self) free(((above *)self)->selection);
    free(self);
}

static sh_status above_process(void *self_, sh_ctx *ctx, const sh_batch *batch) {
    above *self = self_;
    /* The host converts to what input_formats declares: always columns. */
    if (batch->format != SH_FORMAT_COLUMNS) return fail(ctx, "int64-above: expected a columns batch");
    const struct ArrowSchema *schema = batch->schema;   /* BORROWED, like all of batch */
    const struct ArrowArray *rows = batch->columns;
    int64_t child_index = -1;
    for (int64_t i = 0; i < schema->n_children; i++) {
        if (strcmp(schema->children[i]->name, self->field) == 0) child_index = i;
    }
    if (child_index < 0 || strcmp(schema->children[child_index]->format, "l") != 0) {
        char message[256];
        snprintf(message, sizeof message, "int64-above: the input has no int64 field '%s'", self->field);
        return fail(ctx, message);
    }
    const struct ArrowArray *column = rows->children[child_index];
    const int64_t *values = (const int64_t *)column->buffers[1];

    uint32_t records = sh_batch_record_count(batch);
    if (records > self->capacity) {
        uint32_t *grown = realloc(self->selection, sizeof(uint32_t) * records);
        if (grown == NULL) return fail(ctx, "int64-above: out of memory");
        self->selection = grown;
        self->capacity = records;
    }
    uint32_t kept = 0;
    for (uint32_t j = 0; j < records; j++) {
        uint32_t row = sh_batch_row(batch, j);            /* the input may have a selection too */
        int64_t at = rows->offset + row;                  /* a struct's offset applies to its children */
        if (!sh_arrow_is_valid(rows, row) || !sh_arrow_is_valid(column, at)) continue;
        if (values[column->offset + at] > self->above) self->selection[kept++] = row;
    }
    host->counter_add(ctx, self->dropped, (int64_t)(records - kept));
    if (kept == 0) return SH_OK;

    /* The same batch, with the rows to keep: emit_batch shares the columns. */
    sh_batch out = *batch;
    out.selection = self->selection;
    out.selection_count = kept;
    return host->emit_batch(ctx, &out);
}

static const sh_component_vtable above_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = above_create,
    .destroy = above_destroy,
    .process = above_process,
};

static const sh_component above_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "int64-above",
    .description = "keeps records whose int64 field is above a bound (typed columns, zero-copy)",
    .config_schema = "{\"type\":\"object\",\"required\":[\"field\",\"above\"],\"additionalProperties\":false,"
                     "\"properties\":{\"field\":{\"type\":\"string\"},\"above\":{\"type\":\"integer\"}}}",
    .state_version = 1,
    .vtable = &above_vtable,
    .input_formats = SH_FORMAT_COLUMNS,
    .output_formats = SH_FORMAT_COLUMNS,
};

static const sh_component *const components[] = {&above_component};

SH_PLUGIN_ENTRY(host, "int64-above", "1.0.0", components)
