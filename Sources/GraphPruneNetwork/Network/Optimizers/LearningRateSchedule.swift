import Foundation

/// The learning rate as a function of the (0-based) epoch.
///
/// - `constant(η)`: η every epoch.
/// - `steps(initial: η₀, milestones: M, gamma: γ)`: `η(e) = η₀ · γ^|{m ∈ M : m ≤ e}|` — at each
///   milestone epoch `m` the rate is multiplied by γ for epochs `e ≥ m` (PyTorch's `MultiStepLR`;
///   a milestone listed twice counts twice, order does not matter).
public enum LearningRateSchedule: Sendable, Equatable, Hashable, Codable {
    case constant(Float)
    case steps(initial: Float, milestones: [Int], gamma: Float)

    /// The rate for epoch `epoch` (0-based). Computed in Double, rounded once.
    /// - Complexity: O(milestones).
    public func rate(epoch: Int) -> Float {
        switch self {
        case .constant(let rate):
            return rate
        case .steps(let initial, let milestones, let gamma):
            let passed = milestones.reduce(0) { $0 + ($1 <= epoch ? 1 : 0) }
            return Float(Double(initial) * pow(Double(gamma), Double(passed)))
        }
    }
}
