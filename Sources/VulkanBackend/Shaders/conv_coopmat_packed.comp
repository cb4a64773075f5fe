#version 450
// Convolutions on tensor cores from operands packed by pack_half.comp (conv_coopmat.glsl, PACKED_HALF).
#extension GL_GOOGLE_include_directive : require
#define PACKED_HALF
// 8 subgroups: with 64-deep K steps, 14% faster than 4 on an H200 (docs/performance.md).
#ifndef THREADS
#define THREADS 256
#endif
#include "conv_coopmat.glsl"
