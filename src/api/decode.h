/* What every decoder shares, the api layer's and the families' (src/res):
 * parsing a whole answer with cJSON. */
#ifndef LB_DECODE_H
#define LB_DECODE_H

#include <stddef.h>

#include <cJSON.h>

#include "error.h"

/* Parse JSON that must span the whole input (trailing blanks allowed);
 * NULL with err set (LB_DECODE, saying where it breaks) otherwise. */
cJSON *api_parse_json(const char *json, size_t len, struct lb_error *err);

#endif
