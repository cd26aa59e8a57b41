#include "config.h"
/* placeholder until implemented */
extern int lb_unused_output;
