import Compute

/// Cross-entropy plus soft Dice over the foreground classes: the U-Net's segmentation loss.
///
/// `logits` are `[N, C, H, W]`; `target` is the one-hot `[N, C, H, W]` of the true classes.
/// Dice is computed per foreground class over the whole batch, (2 sum(p y) + s) / (sum p + sum y + s)
/// with smoothing s = 1, and averaged over classes; the loss adds 1 - mean Dice to the mean
/// pixel cross-entropy.
public struct SegmentationLoss {
    public var smoothing: Float = 1

    public init() {}

    public struct Terms {
        public var total: Variable
        public var crossEntropy: Variable
        public var dice: Variable
    }

    public func callAsFunction(_ g: Graph, logits: Variable, target: Variable) -> Terms {
        let s = logits.shape
        let p = g.softmax(logits)
        // log-softmax rather than log(softmax): stays finite where a probability underflows to 0.
        let logP = g.logSoftmax(logits)
        let pixels = Float(s.n * s.h * s.w)
        let crossEntropy = g.affine(g.sum(g.mul(target, logP)), scale: -1 / pixels)

        let perClass = Shape(1, s.c, 1, 1)
        let intersection = g.slice(g.sum(g.mul(p, target), to: perClass), channels: 1..<s.c)
        let sizes = g.slice(g.add(g.sum(p, to: perClass), g.sum(target, to: perClass)), channels: 1..<s.c)
        let dicePerClass = g.div(g.affine(intersection, scale: 2, shift: smoothing), g.affine(sizes, scale: 1, shift: smoothing))
        let dice = g.affine(g.mean(dicePerClass), scale: -1, shift: 1)
        return Terms(total: g.add(crossEntropy, dice), crossEntropy: crossEntropy, dice: dice)
    }
}

/// One-hot `[N, classes, H, W]` of class indices given per sample as `[H * W]` arrays.
public func oneHot(_ classes: [[UInt8]], count: Int, height: Int, width: Int) -> [Float] {
    let plane = height * width
    var out = [Float](repeating: 0, count: classes.count * count * plane)
    for (n, sample) in classes.enumerated() {
        for (p, c) in sample.enumerated() { out[(n * count + Int(c)) * plane + p] = 1 }
    }
    return out
}
