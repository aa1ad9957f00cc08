/// Conversion between C order (last index fastest) and Fortran order (first index fastest) of
/// the elements of an n-dimensional array.
///
/// A Fortran-order array of shape `(d₀, …, dₖ₋₁)` is the C-order array of the reversed shape
/// with its axes reversed; for a matrix that is the transpose.
enum ArrayOrder {
    /// The elements of a `shape` array given in Fortran order, rearranged into C order.
    /// - Complexity: O(n) time, one output array.
    static func fortranToC<T>(_ elements: [T], shape: [Int]) -> [T] {
        permute(elements, shape: shape, cToFortran: false)
    }

    /// The elements of a `shape` array given in C order, rearranged into Fortran order.
    /// - Complexity: O(n) time, one output array.
    static func cToFortran<T>(_ elements: [T], shape: [Int]) -> [T] {
        permute(elements, shape: shape, cToFortran: true)
    }

    /// Walks the multi-index in C order (an odometer on the last axis), keeping the Fortran
    /// offset of the same index up to date with one add per step (amortised).
    private static func permute<T>(_ elements: [T], shape: [Int], cToFortran: Bool) -> [T] {
        let count = elements.count
        guard shape.count > 1, count > 1 else { return elements }
        precondition(Tensor.elementCount(of: shape) == count, "shape does not match element count")
        var fortranStrides = [Int](repeating: 1, count: shape.count)
        for axis in 1..<shape.count { fortranStrides[axis] = fortranStrides[axis - 1] * shape[axis - 1] }
        var index = [Int](repeating: 0, count: shape.count)
        var out = elements
        var fortranOffset = 0
        for cOffset in 0..<count {
            if cToFortran {
                out[fortranOffset] = elements[cOffset]
            } else {
                out[cOffset] = elements[fortranOffset]
            }
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                fortranOffset += fortranStrides[axis]
                if index[axis] < shape[axis] { break }
                fortranOffset -= fortranStrides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }
}
