/*
 * base64 — the encoding of the pixels a frame record carries inline
 * (RFC 4648, standard alphabet, with padding).
 */
#ifndef FT_BASE64_H
#define FT_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Encode len bytes; returns a NUL-terminated string the caller frees.
 * Exits on memory exhaustion, like ft_xmalloc. */
char *ft_base64_encode(const void *data, size_t len);

/* Decode text of n characters (line breaks and spaces are skipped);
 * returns a buffer the caller frees and its length in *len, or NULL when
 * text is not base64. */
uint8_t *ft_base64_decode(const char *text, size_t n, size_t *len);

#endif
