/* What every decoder shares, the api layer's and the families' (src/res):
 * parsing a whole answer with cJSON. */
#ifndef LB_DECODE_H
#define LB_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "error.h"

/* Parse JSON that must span the whole input (trailing blanks allowed);
 * NULL with err set (LB_DECODE, saying where it breaks) otherwise. */
cJSON *api_parse_json(const char *json, size_t len, struct lb_error *err);

/* Decode one item of a page into out (zeroed, item_size bytes); index
 * counts from 0, for messages. On failure out must be left clearable. */
typedef bool (*api_item_from_fn)(const cJSON *item, void *out, size_t index,
                                 struct lb_error *err);

/* A page {data: [...], nextCursor}: each element of data through
 * item_from into a new array of item_size-byte items (*out, *n), the
 * cursor into *next (NULL on the last page); what names the items in
 * messages ("groups"). On failure every item decoded so far goes through
 * item_clear, nothing is returned and err says why. */
bool api_decode_page(const char *json, size_t len, const char *what, size_t item_size,
                     api_item_from_fn item_from, void (*item_clear)(void *item), void **out,
                     size_t *n, char **next, struct lb_error *err);

/* One object (a whole answer) through item_from into out (item_size
 * bytes, zeroed first); on failure out is cleared with item_clear and err
 * says why. */
bool api_decode_one(const char *json, size_t len, size_t item_size, api_item_from_fn item_from,
                    void (*item_clear)(void *item), void *out, struct lb_error *err);

#endif
