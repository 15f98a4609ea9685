/* array.h - growable arrays for the text parsers.
 *
 * The arrays are plain pointers with a separate capacity, so one helper
 * serves every element type: pass the address of the pointer. The pointer
 * travels through memcpy, which is how C lets a void * stand for any object
 * pointer without aliasing trouble.
 */
#ifndef SM_ARRAY_H
#define SM_ARRAY_H

#include <stddef.h>

/* Make room for `need` elements of `size` bytes in the array whose pointer is
 * at pp (capacity *cap), doubling the capacity (16 at first). Returns 0 when
 * out of memory, leaving the array as it was. */
int sm_array_grow(void *pp, size_t *cap, size_t need, size_t size);

/* Trim an array to n elements (at least one, so that a successfully read
 * array is never NULL); a failed shrink keeps the larger block. */
void sm_array_shrink(void *pp, size_t n, size_t size);

#endif
