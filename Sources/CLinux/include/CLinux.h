// Linux system calls that Swift's Glibc module does not import.
#ifndef CLINUX_H
#define CLINUX_H

/// rename(2) that fails with EEXIST instead of replacing an existing target
/// (renameat2 with RENAME_NOREPLACE). Returns 0 or -1 with errno set.
int clinux_rename_noreplace(const char *from, const char *to);

#endif
