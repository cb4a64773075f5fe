#version 450
// Convolutions on tensor cores, fp32 operands converted to fp16 as they are staged (conv_coopmat.glsl).
#extension GL_GOOGLE_include_directive : require
#include "conv_coopmat.glsl"
