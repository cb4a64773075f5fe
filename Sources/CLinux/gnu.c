#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "CLinux.h"

int clinux_rename_noreplace(const char *from, const char *to) {
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

int clinux_syncfs(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int result = syncfs(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return result;
}

int clinux_write_file(const char *path, const void *bytes, size_t count, int exclusive, int sync) {
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC), 0664);
    if (fd < 0) return -1;
    const char *next = bytes;
    int result = 0;
    while (count > 0) {
        ssize_t n = write(fd, next, count);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = ENOSPC;
            result = -1;
            break;
        }
        next += n;
        count -= (size_t)n;
    }
    if (result == 0 && sync && fsync(fd) != 0) result = -1;
    int saved = errno;
    if (close(fd) != 0 && result == 0) saved = errno, result = -1;
    errno = saved;
    return result;
}

const char *clinux_errno_name(int code) {
    return strerrorname_np(code);
}
