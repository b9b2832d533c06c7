/* Benchmark 13's pass-through operators: each forwards its input batch
 * with one emit_batch call; pass-bytes takes and gives bytes (the
 * Benchmark 1 operator), pass-columns typed columns (shared, zero-copy). */
#include "streamhost.h"
#include <stdlib.h>
SH_PLUGIN_HOST(host);
static sh_status create(sh_ctx *ctx, const sh_component *c, const char *j, size_t n, void **out) {
    (void)ctx; (void)c; (void)j; (void)n; *out = NULL; return SH_OK;
}
static void destroy(void *self) { (void)self; }
static sh_status process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    return host->emit_batch(ctx, batch);
}
static const sh_component_vtable vtable = {.struct_size = sizeof(sh_component_vtable), .create = create,
                                           .destroy = destroy, .process = process};
static const sh_component bytes_component = {.struct_size = sizeof(sh_component), .kind = SH_KIND_OPERATOR,
    .name = "pass-bytes", .description = "forwards byte batches", .state_version = 1, .vtable = &vtable,
    .input_formats = SH_FORMAT_BYTES, .output_formats = SH_FORMAT_BYTES};
static const sh_component columns_component = {.struct_size = sizeof(sh_component), .kind = SH_KIND_OPERATOR,
    .name = "pass-columns", .description = "forwards column batches", .state_version = 1, .vtable = &vtable,
    .input_formats = SH_FORMAT_COLUMNS, .output_formats = SH_FORMAT_COLUMNS};
static const sh_component *const components[] = {&bytes_component, &columns_component};
SH_PLUGIN_ENTRY(host, "passthrough", "1.0.0", components)
