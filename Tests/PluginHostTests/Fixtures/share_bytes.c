/*
 * Fixture: "fixture-share-bytes" takes byte records and emits their values
 * as a utf8 column {text} without copying them: the column's offsets and
 * bytes are the input batch's own value_offsets and values (BORROWED), as
 * streamhost.h allows for arrays emitted with emit_columns during the
 * process call that received the batch. The release callbacks free only
 * the structs this plugin allocated.
 */
#include "streamhost.h"

#include <stdio.h>
#include <stdlib.h>

static const sh_host_api *host;
static int instance_marker;

/* The structs of one emitted array, in one allocation. */
typedef struct {
    struct ArrowArray child;
    struct ArrowArray *children[1];
    const void *struct_buffers[1];
    const void *child_buffers[3];
} array_block;

static void child_release(struct ArrowArray *array) { array->release = NULL; }

static void struct_release(struct ArrowArray *array) {
    array_block *block = array->private_data;
    if (block->child.release != NULL) block->child.release(&block->child);
    free(block);
    array->release = NULL;
}

typedef struct {
    struct ArrowSchema child;
    struct ArrowSchema *children[1];
} schema_block;

static void schema_child_release(struct ArrowSchema *schema) { schema->release = NULL; }

static void schema_release(struct ArrowSchema *schema) {
    schema_block *block = schema->private_data;
    if (block->child.release != NULL) block->child.release(&block->child);
    free(block);
    schema->release = NULL;
}

static sh_status fail(sh_ctx *ctx, const char *what) {
    char message[300];
    snprintf(message, sizeof message, "fixture-share-bytes: %s: %s", what, host->last_error(ctx));
    host->set_error(ctx, message);
    return SH_ERROR;
}

static sh_status share_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len,
                              void **out) {
    (void)ctx;
    (void)component;
    (void)config_json;
    (void)config_len;
    *out = &instance_marker;
    return SH_OK;
}

static void share_destroy(void *self) { (void)self; }

static sh_status share_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    array_block *arrays = calloc(1, sizeof *arrays);
    schema_block *schemas = calloc(1, sizeof *schemas);
    if (arrays == NULL || schemas == NULL) {
        free(arrays);
        free(schemas);
        host->set_error(ctx, "fixture-share-bytes: out of memory");
        return SH_ERROR;
    }
    /* value_offsets are uint32 from 0: the same bits as utf8's int32
     * offsets below 2 GiB. */
    arrays->child_buffers[1] = batch->value_offsets;
    arrays->child_buffers[2] = batch->values;
    arrays->child = (struct ArrowArray){.length = batch->count, .n_buffers = 3, .buffers = arrays->child_buffers,
                                        .release = child_release};
    arrays->children[0] = &arrays->child;
    struct ArrowArray array = {.length = batch->count, .n_buffers = 1, .n_children = 1,
                               .buffers = arrays->struct_buffers, .children = arrays->children,
                               .release = struct_release, .private_data = arrays};
    schemas->child = (struct ArrowSchema){.format = "u", .name = "text", .flags = ARROW_FLAG_NULLABLE,
                                          .release = schema_child_release};
    schemas->children[0] = &schemas->child;
    struct ArrowSchema schema = {.format = "+s", .name = "", .n_children = 1, .children = schemas->children,
                                 .release = schema_release, .private_data = schemas};
    sh_batch rows = {.struct_size = sizeof(sh_batch), .count = batch->count, .timestamps = batch->timestamps,
                     .key_offsets = batch->key_offsets, .keys = batch->keys, .flags = batch->flags};
    if (host->emit_columns(ctx, &schema, &array, &rows) != SH_OK) return fail(ctx, "emit_columns failed");
    return SH_OK;
}

static const sh_component_vtable share_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = share_create,
    .destroy = share_destroy,
    .process = share_process,
};

static const sh_component share_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-share-bytes",
    .description = "Emits the input's values as a utf8 column over the input's own buffers",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &share_vtable,
    .input_formats = SH_FORMAT_BYTES,
    .output_formats = SH_FORMAT_COLUMNS,
};

static const sh_component *const components[] = {&share_component};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-share-bytes",
    .version = "1.0.0",
    .components = components,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &descriptor;
}
