#include "streamhost.h"
/* being written */
