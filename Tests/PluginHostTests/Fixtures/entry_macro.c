/*
 * Fixture: a plugin whose boilerplate is SH_PLUGIN_HOST and
 * SH_PLUGIN_ENTRY_WITH_FUNCTIONS. "fixture-macro" is an operator that
 * forwards every batch through the host table the entry point stored; it
 * also exports a vectorized and a scalar function.
 */
#include "streamhost.h"

SH_PLUGIN_HOST(host);

static int instance_marker;

static sh_status macro_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                              size_t config_len, void **out) {
    (void)ctx;
    (void)component;
    (void)config_json;
    (void)config_len;
    *out = &instance_marker;
    return SH_OK;
}

static void macro_destroy(void *self) {
    (void)self;
}

static sh_status macro_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    return host->emit_batch(ctx, batch);
}

static const sh_component_vtable macro_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = macro_create,
    .destroy = macro_destroy,
    .process = macro_process,
};

static const sh_component macro_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-macro",
    .description = "Forwards every batch unchanged",
    .state_version = 1,
    .input_count = 1,
    .vtable = &macro_vtable,
};

SH_EXPORT void fixture_twice_v(const double *in, double *out, size_t count);
SH_EXPORT double fixture_half(double x);

SH_EXPORT void fixture_twice_v(const double *in, double *out, size_t count) {
    for (size_t i = 0; i < count; i++) out[i] = 2 * in[i];
}

SH_EXPORT double fixture_half(double x) {
    return x / 2;
}

static const sh_function twice = {
    .struct_size = sizeof(sh_function),
    .flags = SH_FUNCTION_VECTORIZED,
    .name = "twice",
    .symbol = "fixture_twice_v",
    .signature = "double(double)",
};

static const sh_function half = {
    .struct_size = sizeof(sh_function),
    .name = "half",
    .symbol = "fixture_half",
    .signature = "double(double)",
};

static const sh_component *const components[] = {&macro_component};
static const sh_function *const functions[] = {&twice, &half};

SH_PLUGIN_ENTRY_WITH_FUNCTIONS(host, "fixture-macro", "2.3.4", components, functions)
