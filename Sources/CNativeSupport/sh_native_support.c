/* dladdr1 is a GNU extension: this file defines _GNU_SOURCE for itself
 * rather than asking every Swift module to see it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <link.h>
#include <elf.h>
#include "sh_native_support.h"

sh_symbol_kind sh_symbol_kind_at(const void *address) {
    Dl_info info;
    const ElfW(Sym) *symbol = NULL;
    if (dladdr1(address, &info, (void **)&symbol, RTLD_DL_SYMENT) == 0 || symbol == NULL) {
        return SH_SYMBOL_UNKNOWN;
    }
    /* dladdr1 reports the nearest symbol at or below the address; only an
     * exact match says what the symbol itself is. */
    if (info.dli_saddr != address) return SH_SYMBOL_UNKNOWN;
    switch (ELF64_ST_TYPE(symbol->st_info)) {
    case STT_FUNC:
    case STT_GNU_IFUNC:
        return SH_SYMBOL_FUNCTION;
    case STT_OBJECT:
    case STT_COMMON:
        return SH_SYMBOL_OBJECT;
    case STT_TLS:
        return SH_SYMBOL_TLS;
    default:
        return SH_SYMBOL_OTHER;
    }
}
