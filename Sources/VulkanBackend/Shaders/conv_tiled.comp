#version 450
// Convolutions in fp32 on any device (conv_tiled.glsl).
#extension GL_GOOGLE_include_directive : require
#include "conv_tiled.glsl"
