#version 450
// Convolutions in fp32 from operands packed by pack_half.comp (conv_tiled.glsl, PACKED_HALF): the
// packed kernels' loads and staging on any device, lavapipe included.
#extension GL_GOOGLE_include_directive : require
#define PACKED_HALF
#include "conv_tiled.glsl"
