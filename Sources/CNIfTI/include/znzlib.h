// nifti1_io.h includes <znzlib.h> unqualified; Debian installs it under nifti/. Forward it.
#include <nifti/znzlib.h>
