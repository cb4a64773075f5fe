// libnifti (NIfTI-1 I/O) and its znzlib (gzip-transparent file access), from Debian's libnifti2-dev.
#include <nifti/nifti1_io.h>
