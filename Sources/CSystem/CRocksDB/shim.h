/* Debian's librocksdb-dev (7.8.3): the C API, for Swift. */
#include <rocksdb/c.h>
