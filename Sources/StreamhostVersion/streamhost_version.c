/* A C target needs a source file; this one only checks the definition and
 * defines no symbol, so nothing that links it exports anything new. */
#include "streamhost_version.h"

_Static_assert(sizeof(STREAMHOST_VERSION) > 1, "STREAMHOST_VERSION is empty");
