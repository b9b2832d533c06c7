/* The Debian -dev package's headers, for Swift. */
#include <zlib.h>
