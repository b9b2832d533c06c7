/* The Debian -dev package's headers, for Swift. */
#include <lz4.h>
#include <lz4frame.h>
