#ifndef CBUILDINFO_H
#define CBUILDINFO_H

/// The git commit this binary was built from (GANET_SEG_BUILD_COMMIT at build time, as
/// scripts/product/build-deb.sh sets it), or "" for a build that was not stamped.
const char *ganet_seg_build_commit(void);

#endif
