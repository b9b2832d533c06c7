/*
 * Fixture: an operator, "fixture-badschema", whose config schema is not
 * valid JSON (it stops after the first member). The host must refuse it,
 * naming the component and what is wrong with the schema.
 */
#define FIXTURE_OPERATOR_NAME "fixture-badschema"
/* Truncated JSON: the point of this fixture. */
#define FIXTURE_CONFIG_SCHEMA "{\"type\": \"object\", "
#include "fixture_plugin.h"

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "fixture-badschema",
    .version = "1.0.0",
    .components = components,
};
