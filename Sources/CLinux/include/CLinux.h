// GNU extensions of glibc that Swift's Glibc module does not import (they need _GNU_SOURCE).
#ifndef CLINUX_H
#define CLINUX_H

/// rename(2) that fails with EEXIST instead of replacing an existing target
/// (renameat2 with RENAME_NOREPLACE). Returns 0 or -1 with errno set.
int clinux_rename_noreplace(const char *from, const char *to);

/// syncfs(2) of the filesystem holding the directory `path`: everything written to it reaches
/// the disk. Returns 0 or -1 with errno set.
int clinux_syncfs(const char *path);

/// The symbolic name of an errno value ("ENOSPC"), or NULL when unknown.
const char *clinux_errno_name(int code);

#endif
