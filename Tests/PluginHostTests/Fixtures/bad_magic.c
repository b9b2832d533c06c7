/*
 * Fixture: a descriptor whose magic number is wrong ("BAD!" instead of
 * "SHP1"); otherwise a valid forwarding operator. The loader must refuse it
 * before reading anything else of the descriptor.
 */
#define FIXTURE_OPERATOR_NAME "fixture-bad-magic"
#include "fixture_plugin.h"

static const sh_plugin_descriptor descriptor = {
    /* Not SH_PLUGIN_MAGIC: the point of this fixture. */
    .magic = 0x21444142u,
    .struct_size = sizeof(sh_plugin_descriptor),
    .abi_major = SH_ABI_MAJOR,
    .abi_minor = SH_ABI_MINOR,
    .component_count = 1,
    .name = "fixture-bad-magic",
    .version = "1.0.0",
    .components = components,
};
