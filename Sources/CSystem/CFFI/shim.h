/* Debian's libffi-dev (3.4): calling C functions whose signature is known
 * only at run time, for Swift.
 *
 * libffi describes types with global `ffi_type` objects. Swift imports those
 * as mutable globals, which strict concurrency refuses to take the address
 * of, so these accessors hand out their addresses instead. */
#include <ffi.h>

static inline ffi_type *sh_ffi_type_sint32(void) { return &ffi_type_sint32; }
static inline ffi_type *sh_ffi_type_sint64(void) { return &ffi_type_sint64; }
static inline ffi_type *sh_ffi_type_uint8(void) { return &ffi_type_uint8; }
static inline ffi_type *sh_ffi_type_double(void) { return &ffi_type_double; }
static inline ffi_type *sh_ffi_type_float(void) { return &ffi_type_float; }
static inline ffi_type *sh_ffi_type_pointer(void) { return &ffi_type_pointer; }
static inline ffi_type *sh_ffi_type_uint64(void) { return &ffi_type_uint64; }
static inline ffi_abi sh_ffi_default_abi(void) { return FFI_DEFAULT_ABI; }
