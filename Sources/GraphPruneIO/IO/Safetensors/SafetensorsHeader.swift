import Foundation

/// The JSON header of a `.safetensors` file, checked for types but not yet against the data:
/// ```
/// {"__metadata__": {"key": "value", …},
///  "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, …}
/// ```
/// Shape entries and offsets must be JSON integers that fit in `Int` (`2.5`, `1e3` and `true`
/// are rejected); metadata values must be strings; a repeated key is rejected. Unknown fields
/// inside a tensor entry are ignored.
struct SafetensorsHeader {
    struct Entry {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]
    }

    var metadata: [String: String] = [:]
    var entries: [String: Entry] = [:]

    static let metadataKey = "__metadata__"

    /// Parses and type-checks the header bytes.
    /// - Throws: `FileFormatError` naming `file` and the tensor or key at fault.
    /// - Complexity: O(json.count).
    static func decode(_ json: Data, file: String) throws -> SafetensorsHeader {
        func fail(_ problem: String) -> FileFormatError { FileFormatError(file: file, problem: problem) }
        let bytes = [UInt8](json)
        guard String(validating: bytes, as: UTF8.self) != nil else { throw fail("header is not valid UTF-8") }
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes)
        } catch {
            throw fail("header is not valid JSON: \(error.message)")
        }
        guard case .object(let members) = root else { throw fail("header is not a JSON object") }

        var header = SafetensorsHeader()
        var seen = Set<String>()
        for (key, value) in members {
            guard seen.insert(key).inserted else { throw fail("header repeats key '\(key)'") }
            if key == metadataKey {
                header.metadata = try metadata(value, fail: fail)
            } else {
                header.entries[key] = try entry(value, name: key, fail: fail)
            }
        }
        return header
    }

    private static func metadata(_ value: JSONValue, fail: (String) -> FileFormatError) throws -> [String: String] {
        guard case .object(let members) = value else { throw fail("metadata must be an object of strings") }
        var result = [String: String]()
        for (key, item) in members {
            guard case .string(let text) = item else {
                throw fail("metadata key '\(key)' must be a string, got \(item.summary)")
            }
            result[key] = text
        }
        return result
    }

    private static func entry(_ value: JSONValue, name: String, fail: (String) -> FileFormatError) throws -> Entry {
        guard case .object(let members) = value else {
            throw fail("tensor '\(name)' must be an object with dtype, shape and data_offsets")
        }
        func field(_ key: String) throws -> JSONValue {
            guard let found = members.last(where: { $0.key == key }) else {
                throw fail("tensor '\(name)' has no '\(key)' field")
            }
            return found.value
        }
        func integers(_ key: String) throws -> [Int] {
            guard case .array(let items) = try field(key) else {
                throw fail("tensor '\(name)' field '\(key)' must be a list of integers")
            }
            return try items.map { item in
                guard let number = item.exactInt else {
                    throw fail("tensor '\(name)' field '\(key)' must be a list of integers, got \(item.summary)")
                }
                return number
            }
        }
        guard case .string(let dtype) = try field("dtype") else {
            throw fail("tensor '\(name)' field 'dtype' must be a string")
        }
        return Entry(dtype: dtype, shape: try integers("shape"), dataOffsets: try integers("data_offsets"))
    }
}
