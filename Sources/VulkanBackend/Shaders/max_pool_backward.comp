#version 450
// Backend.maxPool2dBackward: each output adds its gradient to the input element that won its
// window (dx starts at zero). The op is given no window geometry, only the winners, so it
// scatters; overlapping windows can send several outputs to one input, hence an atomic add
// (a compare-and-swap loop: float atomics are not core Vulkan). With overlap the order of those
// additions varies from run to run, within float rounding.
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Gradient { float dy[]; };
layout(std430, binding = 1) readonly buffer Argmax { float argmax[]; };
layout(std430, binding = 2) buffer InputGradient { uint dx[]; };
layout(push_constant) uniform Push { int planes, inPlane, outPlane; } p;

void main() {
    for (int o = int(gl_GlobalInvocationID.x); o < p.planes * p.outPlane; o += int(gl_NumWorkGroups.x * 256)) {
        int i = (o / p.outPlane) * p.inPlane + int(argmax[o]);
        float g = dy[o];
        uint seen = dx[i], expected;
        do {
            expected = seen;
            seen = atomicCompSwap(dx[i], expected, floatBitsToUint(uintBitsToFloat(expected) + g));
        } while (seen != expected);
    }
}
