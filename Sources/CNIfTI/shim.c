// SwiftPM needs one source file per C target. The one function here reads zlib's error state,
// which the public znzlib header hides: its struct has the gzFile member only under HAVE_ZLIB.
#define HAVE_ZLIB
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
