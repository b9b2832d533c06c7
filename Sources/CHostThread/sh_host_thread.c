/* The one definition of the thread-local of sh_host_thread.h. */
#include "sh_host_thread.h"

__thread const void *sh_host_thread_ctx __attribute__((tls_model("initial-exec"))) = 0;
