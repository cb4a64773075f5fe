// libnifti (NIfTI-1 I/O) and its znzlib (gzip-transparent file access), from Debian's libnifti2-dev.
#include <nifti/nifti1_io.h>

/// What went wrong in the reads of a file so far. A gzip stream cut off reads as a short read;
/// other failures make znzread return -1.
enum cnifti_read_failure {
    CNIFTI_READ_OK = 0,
    /// The gzip stream ends early (a file still being copied).
    CNIFTI_READ_CUT_OFF,
    /// The gzip stream is damaged, or its CRC-32 or length disagrees with its trailer.
    CNIFTI_READ_DAMAGED,
    /// The read itself failed: see errno.
    CNIFTI_READ_SYSTEM,
};

/// The failure state of `file`'s reads, with zlib's message in `*message` ("" if none).
enum cnifti_read_failure cnifti_read_failure(znzFile file, const char **message);

/// A znzlib reader over the open descriptor `fd` (gzip or plain, as znzopen with compression
/// reads both), which it then owns: `Xznzclose` closes it. NULL on failure, `fd` left open.
/// (znzlib's own znzdopen is not compiled into Debian's libznz.)
znzFile cnifti_open_fd(int fd);

/// 1 when `file` is read as plain bytes (not a gzip stream), as zlib found after the first read.
int cnifti_is_plain(znzFile file);
