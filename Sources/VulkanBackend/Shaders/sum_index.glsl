// Index arithmetic shared by the two sum kernels: reducing a [N, C, H, W] source to a target whose
// axes are either kept (equal extent) or reduced (extent 1).
layout(push_constant) uniform Push {
    int dims[4];     // source extents, NCHW
    int reduced[4];  // 1 where the axis is summed away
    int outputs;     // target elements
    int perOutput;   // source elements summed into each target element
    int chunk;       // sum_partial: source elements per workgroup
} p;

/// The source element that is the `r`-th term of target element `o`: kept axes take their
/// coordinates from `o`, reduced axes from `r` (both in NCHW order, W fastest).
int sourceIndex(int o, int r) {
    int index = 0, stride = 1;
    for (int axis = 3; axis >= 0; --axis) {
        int extent = p.dims[axis], coordinate;
        if (p.reduced[axis] != 0) { coordinate = r % extent; r /= extent; }
        else { coordinate = o % extent; o /= extent; }
        index += coordinate * stride;
        stride *= extent;
    }
    return index;
}
