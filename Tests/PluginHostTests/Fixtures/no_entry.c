/*
 * Fixture: a well-formed shared object that is not a plugin. It exports a
 * function, but not streamhost_plugin_entry; the loader must say that the
 * entry point is missing, naming the file.
 */
#include "streamhost.h"

SH_EXPORT int fixture_not_a_plugin(int x);

SH_EXPORT int fixture_not_a_plugin(int x) {
    return x + 1;
}
