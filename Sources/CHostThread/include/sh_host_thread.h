/* Which instance's callback the calling thread is running: the host's
 * check of ABI rule 8 (host-API calls only inside a callback, on its
 * thread). One thread-local pointer, set by the host around every callback
 * and compared with the ctx of each host-API call: a load and a compare,
 * inlined into the host's Swift code (Swift does not import thread-locals,
 * so these static inline functions are the only way to them).
 *
 * initial-exec: the variable lives in the host's executable, never in a
 * dlopened library, so its offset from the thread pointer is fixed at load
 * time and no __tls_get_addr call is needed. */
#ifndef SH_HOST_THREAD_H
#define SH_HOST_THREAD_H

extern __thread const void *sh_host_thread_ctx __attribute__((tls_model("initial-exec")));

/* The ctx whose callback this thread runs, or NULL outside callbacks. */
static inline const void *sh_host_thread_current(void) { return sh_host_thread_ctx; }

/* Sets the ctx whose callback this thread is about to run (NULL: none);
 * returns the one it replaces, to be put back when the callback returns. */
static inline const void *sh_host_thread_enter(const void *ctx) {
    const void *previous = sh_host_thread_ctx;
    sh_host_thread_ctx = ctx;
    return previous;
}

#endif
