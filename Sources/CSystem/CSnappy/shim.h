/* The Debian -dev package's headers, for Swift. */
#include <snappy-c.h>
