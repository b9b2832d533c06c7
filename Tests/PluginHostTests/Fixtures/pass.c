/*
 * Fixture: a valid plugin. "fixture-pass" is an operator without config
 * that forwards every batch unchanged with one emit_batch call.
 */
#define FIXTURE_OPERATOR_NAME "fixture-pass"
#include "fixture_plugin.h"

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-pass",
    .version = "1.0.0",
    .components = components,
};
