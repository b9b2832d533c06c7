/*
 * Fixture: plugin "fixture-a" with an operator named "fixture-same".
 * same_name_b.c is another plugin, "fixture-b", with a component of the same
 * kind and name: the host must refuse to load both, naming both files.
 */
#define FIXTURE_OPERATOR_NAME "fixture-same"
#include "fixture_plugin.h"

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-a",
    .version = "1.0.0",
    .components = components,
};
