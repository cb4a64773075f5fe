import Compute
import Networks
import Pipeline

/// Which of the U-Net's input channels a GAN sees.
public enum Inpainting {
    /// The U-Net input channels a GAN trained on `modalities` sees (channel order is `Modality`'s).
    public static func channels(of modalities: [Modality]) -> [Int] { modalities.map(\.rawValue) }

    /// Channels `indices` of `x`, in that order (a plain slice when they are contiguous).
    public static func select(_ g: Graph, _ x: Variable, channels indices: [Int]) -> Variable {
        if let first = indices.first, indices == Array(first..<first + indices.count) {
            return indices.count == x.shape.c ? x : g.slice(x, channels: first..<first + indices.count)
        }
        return g.concat(indices.map { g.slice(x, channels: $0..<$0 + 1) })
    }
}

/// GANet-Seg's adversarial feedback for joint training. From the U-Net's class probabilities it
/// builds the soft tumour mask `M` (sum of the tumour classes' probabilities), occludes the image
/// with it, lets the frozen generator inpaint normal tissue, completes the image, lets the frozen
/// discriminator score each patch, and returns the edge-weighted adversarial loss.
///
/// The GAN is frozen: its weights enter the graph as constants, so `Graph.backward` computes no
/// gradient for them (no optimiser can change them) while the loss's gradient flows through both
/// networks into `M`, the probabilities and the U-Net. The edge map is computed from `M`'s value
/// and enters as a constant weight (see `EdgeWeightedAdversarialLoss`).
public final class AdversarialFeedback {
    public let gan: InpaintingGAN
    /// The channels of the U-Net's input that the GAN sees, in the GAN's channel order.
    public let channels: [Int]
    public var edgeMap = EdgeMap()
    public var loss = EdgeWeightedAdversarialLoss()

    public init(gan: InpaintingGAN, channels: [Int]) {
        precondition(channels.count == gan.configuration.imageChannels,
                     "the GAN sees \(gan.configuration.imageChannels) channels, \(channels.count) given")
        self.gan = gan
        self.channels = channels
    }

    public convenience init(gan: InpaintingGAN, modalities: [Modality]) {
        self.init(gan: gan, channels: Inpainting.channels(of: modalities))
    }

    /// What one feedback pass computed; `loss` is the scalar to add (weighted) to the U-Net's loss.
    public struct Output {
        public var loss: Variable
        public var mask: Variable
        public var edges: Variable
        public var occluded: Variable
        public var inpainted: Variable
        public var completed: Variable
        /// Discriminator logits per patch `[N, 1, H / patch, W / patch]`; `sigmoid` gives P(normal).
        public var logits: Variable
    }

    /// `image`: the U-Net's input `[N, channels, H, W]`; `probabilities`: its softmax output.
    public func callAsFunction(_ g: Graph, image: Variable, probabilities: Variable) -> Output {
        let mask = tumourMask(g, probabilities: probabilities)
        return feedback(g, image: image, mask: mask, edges: edges(g, mask: mask))
    }

    /// The constant edge weights of a mask, on the discriminator's grid.
    public func edges(_ g: Graph, mask: Variable) -> Variable {
        g.constant(edgeMap(g, mask: g.constant(mask.value), cell: gan.configuration.patchStride).value)
    }

    /// The feedback for a given mask `[N, 1, H, W]` and edge weights (for tests and callers that
    /// build `M` themselves).
    public func feedback(_ g: Graph, image: Variable, mask: Variable, edges: Variable) -> Output {
        precondition(image.shape.h % gan.configuration.sizeMultiple == 0 && image.shape.w % gan.configuration.sizeMultiple == 0,
                     "feedback input \(image.shape) must be a multiple of \(gan.configuration.sizeMultiple) in H and W")
        g.freeze(gan.generator)
        g.freeze(gan.discriminator)
        let x = Inpainting.select(g, image, channels: channels)
        let occluded = InpaintingGAN.occlude(g, image: x, mask: mask)
        let inpainted = gan.generator(g, occluded: occluded, mask: mask)
        let completed = InpaintingGAN.complete(g, occluded: occluded, mask: mask, inpainted: inpainted)
        let logits = gan.discriminator.logits(g, occluded: occluded, candidate: completed)
        return Output(loss: loss(g, logits: logits, edges: edges), mask: mask, edges: edges, occluded: occluded,
                      inpainted: inpainted, completed: completed, logits: logits)
    }
}
