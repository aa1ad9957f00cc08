/// A failure inside a numerical library or an iterative method. Never a silent result: a solver
/// that did not converge throws `.noConvergence` with what it reached.
public enum NumericalError: Error, Equatable, CustomStringConvertible {
    /// A LAPACK routine returned `info ≠ 0`.
    case lapack(routine: String, info: Int, message: String)
    /// An ARPACK routine returned an error code.
    case arpack(routine: String, info: Int, message: String)
    /// An iterative method stopped before its tolerance was met.
    case noConvergence(method: String, iterations: Int, converged: Int, wanted: Int)
    /// The input cannot be used by the method (shape, size, values).
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .lapack(routine, info, message):
            return "LAPACK \(routine) failed (info = \(info)): \(message)"
        case let .arpack(routine, info, message):
            return "ARPACK \(routine) failed (info = \(info)): \(message)"
        case let .noConvergence(method, iterations, converged, wanted):
            return "\(method) did not converge: \(converged) of \(wanted) wanted results (eigenpairs or systems) converged after \(iterations) iterations"
        case let .invalidInput(message):
            return message
        }
    }
}
