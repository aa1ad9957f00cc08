import GraphPruneNumerics

/// The S-shaped rectified linear unit (Jin et al., 2016, "Deep Learning with S-shaped Rectified
/// Linear Activation Units"), the activation of the SET reference code (Mocanu et al., 2018).
///
/// Every unit `u` has four learnable parameters: thresholds `t_l ≤ t_r` and slopes `a_l`, `a_r`
/// outside them; in between the unit is the identity:
/// ```
///        ⎧ t_r + a_r (x − t_r)   if x ≥ t_r
/// y(x) = ⎨ x                     if t_l < x < t_r
///        ⎩ t_l + a_l (x − t_l)   if x ≤ t_l
/// ```
/// **At the kinks** (`x == t_r` or `x == t_l`) the outer branch applies, exactly as written:
/// the value is continuous there, and the (one-sided) derivatives used are the outer ones,
/// `∂y/∂x = a_r` (or `a_l`), `∂y/∂t = 1 − a`, `∂y/∂a = x − t = 0`. The right branch is tested
/// first, so if training pushes `t_l` above `t_r` an `x ≥ t_r` follows the right line and
/// `x ≤ t_l` (but `< t_r`) the left one.
///
/// Derivatives, per sample, from the branch taken:
/// ```
/// right:  ∂y/∂x = a_r,  ∂y/∂t_r = 1 − a_r,  ∂y/∂a_r = x − t_r
/// middle: ∂y/∂x = 1
/// left:   ∂y/∂x = a_l,  ∂y/∂t_l = 1 − a_l,  ∂y/∂a_l = x − t_l
/// ```
/// Parameter gradients are summed over the batch (samples in order, so deterministically).
///
/// **Initialisation** as the SET reference (Keras-contrib defaults): `t_l = 0`, `a_l ~ U(0, 1)`,
/// `t_r ~ U(0, 5)`, `a_r = 1`; the uniforms are drawn from the run's generator, first all `a_l`
/// (unit order), then all `t_r`, one `nextUnitDouble()` each.
///
/// - Complexity: O(batch · units) per pass; the gradients' four arrays are allocated at
///   initialisation and overwritten by every `backward`.
public struct SReLU: ConnectionlessLayer {
    /// Left thresholds `t_l`, one per unit.
    public var tLeft: [Float]
    /// Left slopes `a_l`.
    public var aLeft: [Float]
    /// Right thresholds `t_r`.
    public var tRight: [Float]
    /// Right slopes `a_r`.
    public var aRight: [Float]
    /// `∂L/∂t_l` of the last `backward`, summed over the batch.
    public private(set) var tLeftGradient: [Float]
    /// `∂L/∂a_l` of the last `backward`.
    public private(set) var aLeftGradient: [Float]
    /// `∂L/∂t_r` of the last `backward`.
    public private(set) var tRightGradient: [Float]
    /// `∂L/∂a_r` of the last `backward`.
    public private(set) var aRightGradient: [Float]

    /// Units with the given parameters (four arrays of one length).
    public init(tLeft: [Float], aLeft: [Float], tRight: [Float], aRight: [Float]) {
        let n = tLeft.count
        precondition(aLeft.count == n && tRight.count == n && aRight.count == n,
                     "SReLU parameters have lengths \(tLeft.count), \(aLeft.count), \(tRight.count), \(aRight.count)")
        self.tLeft = tLeft
        self.aLeft = aLeft
        self.tRight = tRight
        self.aRight = aRight
        tLeftGradient = [Float](repeating: 0, count: n)
        aLeftGradient = tLeftGradient
        tRightGradient = tLeftGradient
        aRightGradient = tLeftGradient
    }

    /// `units` units initialised as the SET reference (see the type's documentation).
    public init(units: Int, generator: inout SplitMix64) {
        precondition(units >= 0, "SReLU needs a non-negative unit count, got \(units)")
        let aLeft = (0..<units).map { _ in Float(generator.nextUnitDouble()) }
        let tRight = (0..<units).map { _ in Float(5 * generator.nextUnitDouble()) }
        self.init(tLeft: [Float](repeating: 0, count: units), aLeft: aLeft, tRight: tRight,
                  aRight: [Float](repeating: 1, count: units))
    }

    /// Number of units (features in and out).
    public var units: Int { tLeft.count }

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == units, "SReLU has \(units) units, got \(inputSize) inputs")
        return inputSize
    }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool,
        generator: inout SplitMix64
    ) {
        let n = outputSize(inputSize: input.columns)
        precondition(output.rows == input.rows && output.columns == n,
                     "SReLU output buffer is \(output.rows)×\(output.columns), needs \(input.rows)×\(n)")
        let (tl, al, tr, ar) = (tLeft, aLeft, tRight, aRight)
        input.elements.withUnsafeBufferPointer { x in
            output.elements.withUnsafeMutableBufferPointer { y in
                for b in 0..<input.rows {
                    for j in 0..<n {
                        let v = x[b * n + j]
                        y[b * n + j] = v >= tr[j] ? tr[j] + ar[j] * (v - tr[j])
                                     : v <= tl[j] ? tl[j] + al[j] * (v - tl[j]) : v
                    }
                }
            }
        }
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>
    ) {
        let n = outputSize(inputSize: input.columns)
        let batch = input.rows
        precondition(outputGradient.rows == batch && outputGradient.columns == n
                     && inputGradient.rows == batch && inputGradient.columns == n,
                     "SReLU gradient buffers do not match the input \(batch)×\(n)")
        if tLeftGradient.count != n {
            tLeftGradient = [Float](repeating: 0, count: n)
            aLeftGradient = tLeftGradient
            tRightGradient = tLeftGradient
            aRightGradient = tLeftGradient
        }
        let (tl, al, tr, ar) = (tLeft, aLeft, tRight, aRight)
        input.elements.withUnsafeBufferPointer { x in
            outputGradient.elements.withUnsafeBufferPointer { g in
                inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                    tLeftGradient.withUnsafeMutableBufferPointer { dtl in
                        aLeftGradient.withUnsafeMutableBufferPointer { dal in
                            tRightGradient.withUnsafeMutableBufferPointer { dtr in
                                aRightGradient.withUnsafeMutableBufferPointer { dar in
                                    SReLU.gradients(
                                        x: x, g: g, batch: batch, parameters: (tl, al, tr, ar),
                                        dx: dx, into: (dtl, dal, dtr, dar))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `dx` and the four batch sums of the parameter gradients (overwritten), samples in order.
    private static func gradients(
        x: UnsafeBufferPointer<Float>, g: UnsafeBufferPointer<Float>, batch: Int,
        parameters: (tl: [Float], al: [Float], tr: [Float], ar: [Float]),
        dx: UnsafeMutableBufferPointer<Float>,
        into d: (tl: UnsafeMutableBufferPointer<Float>, al: UnsafeMutableBufferPointer<Float>,
                 tr: UnsafeMutableBufferPointer<Float>, ar: UnsafeMutableBufferPointer<Float>)
    ) {
        let (tl, al, tr, ar) = parameters
        let n = tl.count
        d.tl.update(repeating: 0)
        d.al.update(repeating: 0)
        d.tr.update(repeating: 0)
        d.ar.update(repeating: 0)
        for b in 0..<batch {
            for j in 0..<n {
                let (v, gy) = (x[b * n + j], g[b * n + j])
                if v >= tr[j] {
                    dx[b * n + j] = gy * ar[j]
                    d.tr[j] += gy * (1 - ar[j])
                    d.ar[j] += gy * (v - tr[j])
                } else if v <= tl[j] {
                    dx[b * n + j] = gy * al[j]
                    d.tl[j] += gy * (1 - al[j])
                    d.al[j] += gy * (v - tl[j])
                } else {
                    dx[b * n + j] = gy
                }
            }
        }
    }

    /// Visits `t_l`, `a_l`, `t_r`, `a_r` (in that order) with their batch-summed gradients.
    public mutating func visitParameters(_ body: (_ values: inout [Float], _ gradient: [Float]) -> Void) {
        body(&tLeft, tLeftGradient)
        body(&aLeft, aLeftGradient)
        body(&tRight, tRightGradient)
        body(&aRight, aRightGradient)
    }
}

extension SReLU {
    /// `t_left`, `a_left`, `t_right`, `a_right` (one per unit).
    public var stateTensors: [NamedTensor] {
        [NamedTensor("t_left", vector: tLeft), NamedTensor("a_left", vector: aLeft),
         NamedTensor("t_right", vector: tRight), NamedTensor("a_right", vector: aRight)]
    }
}

extension SReLU {
    /// Per feature: the parameters of the kept channels' features.
    public func restricted(to selection: UnitSelection) -> any Layer {
        let features = selection.inputFeatures
        return SReLU(
            tLeft: UnitSelection.pick(tLeft, features), aLeft: UnitSelection.pick(aLeft, features),
            tRight: UnitSelection.pick(tRight, features), aRight: UnitSelection.pick(aRight, features))
    }
}

extension SReLU {
    /// The identity between its thresholds (its affine pieces are not positively homogeneous).
    public var pathOperation: PathOperation { .identity }
}
