/* The Debian -dev package's headers, for Swift. */
#include <zstd.h>
