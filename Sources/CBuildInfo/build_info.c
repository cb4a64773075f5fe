#include "CBuildInfo.h"

// Defined by Package.swift from the environment; only this file sees it, so stamping a build
// recompiles this file alone.
#ifndef GANET_SEG_BUILD_COMMIT
#define GANET_SEG_BUILD_COMMIT ""
#endif

const char *ganet_seg_build_commit(void) { return GANET_SEG_BUILD_COMMIT; }
