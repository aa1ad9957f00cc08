import Foundation

extension SplitMix64 {
    /// Two independent standard normals from two uniforms (Box–Muller):
    /// `r = √(−2 ln u₁)`, `(z₀, z₁) = (r cos 2πu₂, r sin 2πu₂)`, with `u₁ = 1 − U[0,1) ∈ (0, 1]`
    /// so that the logarithm is finite. The toolkit's only Gaussian source.
    @inlinable
    public mutating func nextGaussianPair() -> (Double, Double) {
        let u1 = 1 - nextUnitDouble()
        let u2 = nextUnitDouble()
        let r = (-2 * log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        return (r * cos(theta), r * sin(theta))
    }
}

/// Standard normal draws one at a time, both values of each Box–Muller pair used in turn.
public struct GaussianSampler: Sendable {
    @usableFromInline var spare: Double?

    @inlinable
    public init() {}

    /// A draw from `N(0, 1)`.
    @inlinable
    public mutating func next(using generator: inout SplitMix64) -> Double {
        if let value = spare {
            spare = nil
            return value
        }
        let (z0, z1) = generator.nextGaussianPair()
        spare = z1
        return z0
    }
}
