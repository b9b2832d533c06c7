/*
 * Fixture: a plugin built against a newer host (ABI minor SH_ABI_MINOR + 5,
 * same major); otherwise a valid forwarding operator. The loader must refuse
 * it, since it may use host services this host does not have, and name both
 * versions.
 */
#define FIXTURE_OPERATOR_NAME "fixture-abi-minor"
#include "fixture_plugin.h"

static const sh_plugin_descriptor descriptor = {
    .magic = SH_PLUGIN_MAGIC,
    .struct_size = sizeof(sh_plugin_descriptor),
    .abi_major = SH_ABI_MAJOR,
    /* Five minor versions ahead of this header: the point of this fixture. */
    .abi_minor = SH_ABI_MINOR + 5,
    .component_count = 1,
    .name = "fixture-abi-minor",
    .version = "1.0.0",
    .components = components,
};
