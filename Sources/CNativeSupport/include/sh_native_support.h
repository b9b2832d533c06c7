/* Helpers for resolving native functions (UDFs) that need glibc extensions
 * Swift's Glibc module does not import. */
#ifndef SH_NATIVE_SUPPORT_H
#define SH_NATIVE_SUPPORT_H

/* What the dynamic symbol table says about an address dlsym returned. */
typedef enum sh_symbol_kind {
    SH_SYMBOL_UNKNOWN = 0,   /* no symbol starts exactly at the address */
    SH_SYMBOL_FUNCTION = 1,  /* STT_FUNC or STT_GNU_IFUNC */
    SH_SYMBOL_OBJECT = 2,    /* STT_OBJECT or STT_COMMON: data */
    SH_SYMBOL_TLS = 3,       /* STT_TLS: thread-local data */
    SH_SYMBOL_OTHER = 4      /* any other symbol type */
} sh_symbol_kind;

/* Classifies the symbol that starts at `address` (from dladdr1 with
 * RTLD_DL_SYMENT). `address` is borrowed; nothing is kept. */
sh_symbol_kind sh_symbol_kind_at(const void *address);

#endif
