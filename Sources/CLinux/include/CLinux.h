// GNU extensions of glibc that Swift's Glibc module does not import (they need _GNU_SOURCE).
#ifndef CLINUX_H
#define CLINUX_H

#include <stddef.h>

/// rename(2) that fails with EEXIST instead of replacing an existing target
/// (renameat2 with RENAME_NOREPLACE). Returns 0 or -1 with errno set.
int clinux_rename_noreplace(const char *from, const char *to);

/// syncfs(2) of the filesystem holding the directory `path`: everything written to it reaches
/// the disk. Returns 0 or -1 with errno set.
int clinux_syncfs(const char *path);

/// Writes `count` bytes to a new file at `path` (mode 0664 before the umask): O_EXCL when
/// `exclusive`, else an existing file is truncated; fsync(2) before closing when `sync`. Returns 0,
/// or -1 with errno set by the call that failed (a short write from a full disk gives ENOSPC).
int clinux_write_file(const char *path, const void *bytes, size_t count, int exclusive, int sync);

/// The symbolic name of an errno value ("ENOSPC"), or NULL when unknown.
const char *clinux_errno_name(int code);

#endif
