// SwiftPM needs one source file per C target. The one function here reads zlib's error state,
// which the public znzlib header hides: its struct has the gzFile member only under HAVE_ZLIB.
#define HAVE_ZLIB
#include <stdlib.h>
#include <zlib.h>
#include "CNIfTI.h"

enum cnifti_read_failure cnifti_read_failure(znzFile file, const char **message) {
    *message = "";
    if (file == NULL) return CNIFTI_READ_OK;
    if (!file->withz) return ferror(file->nzfptr) ? CNIFTI_READ_SYSTEM : CNIFTI_READ_OK;
    int code = Z_OK;
    *message = gzerror(file->zfptr, &code);
    switch (code) {
    case Z_OK: case Z_STREAM_END: return CNIFTI_READ_OK;
    case Z_BUF_ERROR: return CNIFTI_READ_CUT_OFF;
    case Z_ERRNO: return CNIFTI_READ_SYSTEM;
    default: return CNIFTI_READ_DAMAGED;
    }
}

znzFile cnifti_open_fd(int fd) {
    znzFile file = (znzFile)calloc(1, sizeof(struct znzptr));
    if (file == NULL) return NULL;
    file->withz = 1;
    file->zfptr = gzdopen(fd, "rb");
    if (file->zfptr == NULL) {
        free(file);
        return NULL;
    }
    return file;
}

int cnifti_is_plain(znzFile file) {
    if (file == NULL || !file->withz) return 1;
    return gzdirect(file->zfptr);
}
