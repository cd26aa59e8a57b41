#include "lbconfig.h"

#include <stddef.h>

#include "family.h"

#define FAMILY(name) extern const struct family family_##name;
#include "families.def"
#undef FAMILY

const struct family *const lb_families[] = {
#define FAMILY(name) &family_##name,
#include "families.def"
#undef FAMILY
    NULL,
};
