/*
 * names.h - errno names for messages, the same whatever the locale and the C library.
 */
#ifndef FORKEXEC_NAMES_H
#define FORKEXEC_NAMES_H

#include <stddef.h>

/* "No such file or directory (ENOENT)"; "Unknown error (errno N)" for a number not in the table. */
void fe_errno_text(int err, char *buf, size_t size);

/* The number of the errno named "ENOENT" etc. on this platform, or -1 when there is none. */
int fe_errno_number(const char *name);

#endif
