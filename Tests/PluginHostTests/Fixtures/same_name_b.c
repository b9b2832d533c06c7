/*
 * Fixture: plugin "fixture-b" with an operator named "fixture-same", like
 * plugin "fixture-a" in same_name_a.c: the host must refuse to load both,
 * naming both files.
 */
#define FIXTURE_OPERATOR_NAME "fixture-same"
#include "fixture_plugin.h"

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-b",
    .version = "1.0.0",
    .components = components,
};
