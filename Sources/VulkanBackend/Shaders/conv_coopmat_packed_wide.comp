#version 450
// conv_coopmat_packed.comp with 128-row tiles of C (subgroups of 32 x 64): half the loads of B per
// product. The host takes it where M is a multiple of 128 (the U-Net's 128- and 256-channel
// layers: about a quarter faster there on an H100, and slower where M = 64 leaves half of each
// tile empty; docs/performance.md). 45 KiB of shared memory.
#extension GL_GOOGLE_include_directive : require
#define PACKED_HALF
#define THREADS 256
#define BM 128
#include "conv_coopmat.glsl"
