import Compute
import Networks

/// The edge map of GANet-Seg's adversarial feedback: the mask dilated by a 5x5 max-pool (stride 1,
/// padding 2), then the 3x3 Laplacian `[[0,1,0],[1,-4,1],[0,1,0]]` (zero padding), taken in absolute
/// value so that both sides of the boundary weigh positively, then brought down to the
/// discriminator's grid by a max over each `cell x cell` patch (so a patch that holds any boundary
/// gets its strongest edge).
///
/// `mask` is `[N, 1, H, W]` (soft masks allowed); the result is `[N, 1, H / cell, W / cell]`.
public struct EdgeMap: Sendable {
    /// Side of the dilating max-pool window (the paper's 5).
    public var dilation = 5

    public init() {}

    /// `|Laplacian(maxpool_5x5(mask))|` at the mask's resolution.
    public func fullResolution(_ g: Graph, mask: Variable) -> Variable {
        let dilated = g.maxPool2d(mask, geometry: PoolGeometry(kernel: dilation, stride: 1, padding: dilation / 2))
        return g.abs(g.laplacian(dilated))
    }

    /// The edge map on a grid of `cell x cell` patches (`cell` = `PatchDiscriminator`'s patch stride).
    public func callAsFunction(_ g: Graph, mask: Variable, cell: Int) -> Variable {
        let edges = fullResolution(g, mask: mask)
        precondition(mask.shape.h % cell == 0 && mask.shape.w % cell == 0, "mask \(mask.shape) not a multiple of \(cell)")
        return cell == 1 ? edges : g.maxPool2d(edges, geometry: PoolGeometry(kernel: cell, stride: cell))
    }
}

/// The edge-weighted adversarial feedback loss: the discriminator's "fake" evidence, `-log D`
/// per patch, weighted by the edge map and normalised by the total weight,
/// `sum(E * -log D) / (sum E + eps)`. With `D = sigmoid(z)`, `-log D = softplus(-z)` is computed from
/// the logits `z` so that it never takes the log of an underflowed probability. The loss falls as
/// the inpainted image looks normal (to the discriminator) where the mask's boundary lies.
public struct EdgeWeightedAdversarialLoss: Sendable {
    public var epsilon: Float = 1e-6

    public init() {}

    /// `logits` and `edges` share the discriminator's grid `[N, 1, h, w]`. Pass `edges` as a
    /// constant (see `AdversarialFeedback`): a differentiable weight would let the loss fall by
    /// erasing the mask's edges instead of by making the inpainting look normal.
    public func callAsFunction(_ g: Graph, logits: Variable, edges: Variable) -> Variable {
        precondition(logits.shape == edges.shape, "logits \(logits.shape) and edge map \(edges.shape) differ")
        let weighted = g.sum(g.mul(edges, g.softplus(g.affine(logits, scale: -1))))
        return g.div(weighted, g.affine(g.sum(edges), scale: 1, shift: epsilon))
    }
}

/// Sparsity: `alpha * mean |M|` over all pixels of the batch.
public struct SparsityLoss: Sendable {
    public var alpha: Float

    /// The paper gives no value; 0.1 is a starting point (dynamic weighting rescales it anyway).
    public init(alpha: Float = 0.1) { self.alpha = alpha }

    public func callAsFunction(_ g: Graph, mask: Variable) -> Variable {
        g.affine(g.mean(g.abs(mask)), scale: alpha)
    }
}

/// Size consistency: `gamma * |sum M - S_label| / S_label` per sample (sums over the sample's
/// pixels, `S_label` its ground-truth tumour pixel count), averaged over the batch. Training drops
/// slices without tumour, so `S_label > 0`; a zero is treated as 1 to stay finite.
public struct SizeConsistencyLoss: Sendable {
    public var gamma: Float

    /// The paper gives no value; 0.1 is a starting point (dynamic weighting rescales it anyway).
    public init(gamma: Float = 0.1) { self.gamma = gamma }

    /// `mask` `[N, 1, H, W]`; `labelSizes` the tumour pixel count per sample.
    public func callAsFunction(_ g: Graph, mask: Variable, labelSizes: [Float]) -> Variable {
        let n = mask.shape.n
        precondition(labelSizes.count == n, "one label size per sample")
        let sizes = g.constant(g.backend.upload(labelSizes.map { max($0, 1) }, shape: Shape(n, 1, 1, 1)))
        let perSample = g.div(g.abs(g.sub(g.sum(mask, to: Shape(n, 1, 1, 1)), sizes)), sizes)
        return g.affine(g.mean(perSample), scale: gamma)
    }

    /// Tumour pixel counts of class maps (any class other than 0), per sample.
    public static func labelSizes(_ classes: [[UInt8]]) -> [Float] {
        classes.map { Float($0.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }) }
    }
}

/// The tumour mask `M` from the U-Net's class probabilities `[N, C, H, W]` (class 0 background):
/// the sum of the tumour classes' probabilities, `[N, 1, H, W]`, differentiable.
public func tumourMask(_ g: Graph, probabilities: Variable) -> Variable {
    let s = probabilities.shape
    precondition(s.c >= 2, "a tumour mask needs a background and at least one tumour class")
    return g.sum(g.slice(probabilities, channels: 1..<s.c), to: Shape(s.n, 1, s.h, s.w))
}

/// GANet-Seg's dynamic loss weights, `w_i = 1 / (||grad L_i|| + eps)`, where `||grad L_i||` is the
/// L2 norm of the gradient of term `i` with respect to the U-Net's parameters (all of them,
/// concatenated into one vector), as the paper describes: each term then moves the shared weights
/// by a comparable amount. The weights are constants for the step (no gradient flows through them).
///
/// Each norm needs its own backward pass (a `Graph` serves one), so a step with K terms costs K
/// gradient passes to measure the norms plus one for the weighted total; `measure` gives the norms
/// of the terms built by closures on fresh graphs.
public struct DynamicWeights: Sendable {
    public var epsilon: Double = 1e-8

    public init(epsilon: Double = 1e-8) { self.epsilon = epsilon }

    /// `1 / (norm + eps)` per term.
    public func weights(gradientNorms: [Double]) -> [Double] {
        gradientNorms.map { 1 / ($0 + epsilon) }
    }

    /// The L2 norm over `parameters` of a backward pass's gradients (parameters the loss does not
    /// depend on contribute 0).
    public static func gradientNorm(_ gradients: Gradients, over parameters: [Parameter], backend: any Backend) -> Double {
        var sum = 0.0
        for p in parameters {
            guard let grad = gradients[p] else { continue }
            sum += Double(backend.scalar(backend.sum(backend.binary(grad, grad, .mul), to: .scalar)))
        }
        return sum.squareRoot()
    }

    /// Norms of each term's gradient over `parameters`: every closure builds its term on a fresh graph.
    public static func measure(_ terms: [(Graph) -> Variable], over parameters: [Parameter],
                               backend: any Backend) -> [Double] {
        terms.map { term in
            let g = Graph(backend: backend)
            return gradientNorm(g.backward(term(g)), over: parameters, backend: backend)
        }
    }
}
