import CARPACK
import Foundation

/// A few extreme eigenpairs of a symmetric operator by the implicitly restarted Lanczos method
/// of ARPACK (`dsaupd` / `dseupd`, reverse communication, regular mode `A x = λ x`).
///
/// ARPACK only ever asks for products `y = A x`, so `A` may be dense, sparse, or implicit.
/// Lanczos (unlike plain power iteration) converges on bipartite spectra `±λ` too.
///
/// The starting vector is drawn from `SplitMix64(seed)`, so a solve is reproducible (ARPACK's own
/// default start advances a hidden global generator). ARPACK's Fortran core keeps state in SAVE
/// variables and is not re-entrant: solves are serialised by a process-wide lock.
public struct Lanczos: Sendable {
    /// Which end of the spectrum is wanted (ARPACK's `which`).
    public enum Target: String, Sendable {
        case largestAlgebraic = "LA", smallestAlgebraic = "SA"
        case largestMagnitude = "LM", smallestMagnitude = "SM"
    }

    /// The eigenpairs found, ascending by value, and how the solve went.
    public struct Result: Sendable {
        public let values: [Double]
        /// `vectors[k]` is the unit eigenvector of `values[k]`.
        public let vectors: [[Double]]
        /// Implicit restarts ARPACK performed (`iparam[2]` on return).
        public let iterations: Int
        /// Operator applications (`iparam[8]`).
        public let products: Int
        /// `max_k ‖A v_k − λ_k v_k‖₂`, recomputed after the solve.
        public let maxResidual: Double
    }

    public var count: Int
    public var target: Target
    /// Relative accuracy of the Ritz values; 0 means machine precision (ARPACK's convention).
    public var tolerance: Double
    /// Restarts allowed; nil means `max(300, 10 n)`, as SciPy.
    public var maxIterations: Int?
    /// Lanczos basis size; nil means `min(n, max(2 · count + 1, 20))`, as SciPy.
    public var basisSize: Int?
    public var seed: UInt64

    public init(
        count: Int = 1, target: Target = .largestAlgebraic, tolerance: Double = 0,
        maxIterations: Int? = nil, basisSize: Int? = nil, seed: UInt64 = 0x6772_6170_6870_7275
    ) {
        self.count = count
        self.target = target
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.basisSize = basisSize
        self.seed = seed
    }

    private static let arpackLock = NSLock()

    /// Runs the solve. Throws `NumericalError.arpack` for ARPACK errors and
    /// `NumericalError.noConvergence` when fewer than `count` Ritz values converged.
    /// ARPACK needs `count < n`; use `SymmetricEigen` for tiny operators.
    ///
    /// When the Krylov space becomes invariant before `basisSize` vectors (an operator with
    /// fewer distinct eigenvalues than the basis, e.g. a large star or complete graph), ARPACK
    /// continues from a random vector of its own generator, whose state persists across calls:
    /// the eigenpairs are then exact but may differ between runs in the last bits.
    public func solve(_ op: some SymmetricOperator) throws -> Result {
        let n = op.dimension
        guard count >= 1, count < n else {
            throw NumericalError.invalidInput("Lanczos needs 1 ≤ eigenpairs < n; asked for \(count) with n = \(n)")
        }
        let ncv = min(n, max(basisSize ?? max(2 * count + 1, 20), count + 1))
        let maxIter = maxIterations ?? max(300, 10 * n)
        var generator = SplitMix64(seed: seed)
        var resid = (0..<n).map { _ in generator.nextUnitDouble() - 0.5 }
        var v = [Double](repeating: 0, count: n * ncv)
        var workd = [Double](repeating: 0, count: 3 * n)
        let lworkl = ncv * (ncv + 8)
        var workl = [Double](repeating: 0, count: lworkl)
        var iparam = [Int32](repeating: 0, count: 11)
        var ipntr = [Int32](repeating: 0, count: 14)
        iparam[0] = 1  // exact shifts
        iparam[2] = Int32(maxIter)
        iparam[6] = 1  // mode 1: A x = λ x
        var ido: Int32 = 0
        var info: Int32 = 1  // use resid as the starting vector
        let which = target.rawValue

        Lanczos.arpackLock.lock()
        defer { Lanczos.arpackLock.unlock() }
        workd.withUnsafeMutableBufferPointer { wd in
            while true {
                dsaupd_c(
                    &ido, "I", Int32(n), which, Int32(count), tolerance, &resid, Int32(ncv), &v,
                    Int32(n), &iparam, &ipntr, wd.baseAddress, &workl, Int32(lworkl), &info)
                guard ido == -1 || ido == 1 else { break }
                let x = UnsafeBufferPointer(rebasing: wd[(Int(ipntr[0]) - 1)..<(Int(ipntr[0]) - 1 + n)])
                let y = UnsafeMutableBufferPointer(rebasing: wd[(Int(ipntr[1]) - 1)..<(Int(ipntr[1]) - 1 + n)])
                op.apply(x, into: y)
            }
        }
        if info == 1 {
            throw NumericalError.noConvergence(
                method: "ARPACK dsaupd", iterations: Int(iparam[2]), converged: Int(iparam[4]), wanted: count)
        }
        if info != 0 {
            throw NumericalError.arpack(routine: "dsaupd", info: Int(info), message: Lanczos.saupdMessage(Int(info)))
        }
        let iterations = Int(iparam[2]), products = Int(iparam[8])
        var select = [Int32](repeating: 0, count: ncv)
        var d = [Double](repeating: 0, count: count)
        var z = [Double](repeating: 0, count: n * count)
        var einfo: Int32 = 0
        dseupd_c(
            1, "A", &select, &d, &z, Int32(n), 0, "I", Int32(n), which, Int32(count), tolerance,
            &resid, Int32(ncv), &v, Int32(n), &iparam, &ipntr, &workd, &workl, Int32(lworkl), &einfo)
        if einfo != 0 {
            throw NumericalError.arpack(routine: "dseupd", info: Int(einfo), message: Lanczos.seupdMessage(Int(einfo)))
        }
        let converged = Int(iparam[4])
        guard converged >= count else {
            throw NumericalError.noConvergence(method: "ARPACK dseupd", iterations: iterations, converged: converged, wanted: count)
        }
        // dseupd returns the Ritz values in ascending order, vectors column-major n × count.
        let order = (0..<count).sorted { d[$0] < d[$1] }
        let vectors = order.map { k in Array(z[(k * n)..<((k + 1) * n)]) }
        let values = order.map { d[$0] }
        var worst = 0.0
        for (value, vector) in zip(values, vectors) {
            let av = op.applied(to: vector)
            var r2 = 0.0
            for i in 0..<n { let r = av[i] - value * vector[i]; r2 += r * r }
            worst = max(worst, r2.squareRoot())
        }
        return Result(values: values, vectors: vectors, iterations: iterations, products: products, maxResidual: worst)
    }

    static func saupdMessage(_ info: Int) -> String {
        switch info {
        case 3: return "no shifts could be applied during a cycle of the implicitly restarted Arnoldi iteration; increase the basis size relative to the number of eigenpairs"
        case -1: return "N must be positive"
        case -2: return "NEV must be positive"
        case -3: return "NCV must be greater than NEV and less than or equal to N"
        case -4: return "the maximum number of Arnoldi update iterations must be greater than zero"
        case -5: return "WHICH must be one of LM, SM, LA, SA or BE"
        case -6: return "BMAT must be I or G"
        case -7: return "length of private work array WORKL is not sufficient"
        case -8: return "error return from the tridiagonal eigenvalue calculation"
        case -9: return "starting vector is zero"
        case -10: return "IPARAM(7) must be 1, 2, 3, 4 or 5"
        case -11: return "IPARAM(7) = 1 and BMAT = G are incompatible"
        case -12: return "IPARAM(1) must be 0 or 1"
        case -13: return "NEV and WHICH = BE are incompatible"
        case -9999: return "could not build a Lanczos factorization"
        default: return "unknown error"
        }
    }

    static func seupdMessage(_ info: Int) -> String {
        switch info {
        case -14: return "DSAUPD did not find any eigenvalues to sufficient accuracy"
        case -15: return "HOWMNY must be A or S if RVEC is true"
        case -16: return "HOWMNY = S is not implemented"
        case -17: return "DSEUPD got a different count of converged Ritz values than DSAUPD"
        default: return saupdMessage(info)
        }
    }
}
