// Workgroup-wide sum for kernels with local_size_x = 256. Call from uniform control flow.
shared float partialSums[256];

/// The sum of `value` over the workgroup, returned to every invocation.
float workgroupSum(float value) {
    uint t = gl_LocalInvocationID.x;
    partialSums[t] = value;
    barrier();
    for (uint half_ = 128; half_ > 0; half_ >>= 1) {
        if (t < half_) partialSums[t] += partialSums[t + half_];
        barrier();
    }
    float total = partialSums[0];
    barrier();  // the next call overwrites partialSums
    return total;
}
