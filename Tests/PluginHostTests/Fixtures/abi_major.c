/*
 * Fixture: a plugin built against a future, incompatible ABI major version
 * (SH_ABI_MAJOR + 1); otherwise a valid forwarding operator. The loader must
 * refuse it, naming both versions.
 */
#define FIXTURE_OPERATOR_NAME "fixture-abi-major"
#include "fixture_plugin.h"

static const sh_plugin_descriptor descriptor = {
    .magic = SH_PLUGIN_MAGIC,
    .struct_size = sizeof(sh_plugin_descriptor),
    /* One major version ahead of this header: the point of this fixture. */
    .abi_major = SH_ABI_MAJOR + 1,
    .abi_minor = SH_ABI_MINOR,
    .component_count = 1,
    .name = "fixture-abi-major",
    .version = "1.0.0",
    .components = components,
};
