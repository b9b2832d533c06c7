/*
 * Fixture: one plugin, "fixture-dup", that declares two operators with the
 * same name, "fixture-dup". The loader must refuse it, naming the component
 * and the file.
 */
#define FIXTURE_OPERATOR_NAME "fixture-dup"
#define FIXTURE_OWN_COMPONENTS
#include "fixture_plugin.h"

static const sh_component first = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-dup",
    .description = "The first of two components with this name",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &forward_vtable,
};

static const sh_component second = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "fixture-dup",
    .description = "The second of two components with this name",
    .config_schema = NULL,
    .state_version = 1,
    .input_count = 1,
    .vtable = &forward_vtable,
};

static const sh_component *const components[] = {&first, &second};

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 2,
    .name = "fixture-dup",
    .version = "1.0.0",
    .components = components,
};
