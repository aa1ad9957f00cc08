/// `Π factors` (1 for none), or nil when a factor is negative or the product overflows `Int`:
/// the size arithmetic for counts read from files and settings, which must not trap.
/// - Complexity: O(factors.count).
public func checkedProduct(_ factors: [Int]) -> Int? {
    var product = 1
    for factor in factors {
        guard factor >= 0 else { return nil }
        let (next, overflow) = product.multipliedReportingOverflow(by: factor)
        if overflow { return nil }
        product = next
    }
    return product
}
