import Foundation

/// The subset of JSON Schema (2020-12) that docs/metrics-v1.schema.json uses: type, const, enum,
/// required, properties, additionalProperties (false), items, minItems/maxItems, minimum/maximum,
/// minLength/maxLength, pattern and local `$ref`s into `$defs`. A keyword outside the subset is
/// reported as a violation, so the schema cannot silently say more than the tests check.
struct JSONSchemaValidator {
    let root: [String: Any]

    init(contentsOf path: String) throws {
        root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    /// Every place where `instance` (from JSONSerialization) breaks the schema, as "path: reason".
    func violations(of instance: Any) -> [String] {
        check(instance, against: root, at: "$")
    }

    private static let annotations: Set = ["$schema", "$id", "$defs", "title", "description"]

    private func check(_ value: Any, against schema: [String: Any], at path: String) -> [String] {
        var found: [String] = []
        for (keyword, rule) in schema where !Self.annotations.contains(keyword) {
            switch keyword {
            case "$ref":
                let name = (rule as! String).replacingOccurrences(of: "#/$defs/", with: "")
                let definitions = root["$defs"] as! [String: Any]
                guard let target = definitions[name] as? [String: Any] else { found.append("\(path): unknown $ref \(rule)"); continue }
                found += check(value, against: target, at: path)
            case "type":
                if !Self.isOfType(value, rule as! String) { found.append("\(path): not of type \(rule)") }
            case "const":
                if !Self.equal(value, rule) { found.append("\(path): not \(rule)") }
            case "enum":
                if !(rule as! [Any]).contains(where: { Self.equal(value, $0) }) { found.append("\(path): not one of \(rule)") }
            case "required":
                guard let object = value as? [String: Any] else { continue }
                for key in rule as! [String] where object[key] == nil { found.append("\(path): missing \(key)") }
            case "properties":
                guard let object = value as? [String: Any] else { continue }
                for (key, subschema) in rule as! [String: Any] {
                    if let member = object[key] { found += check(member, against: subschema as! [String: Any], at: "\(path).\(key)") }
                }
            case "additionalProperties":
                guard let object = value as? [String: Any], rule as? Bool == false else { continue }
                let known = Set(((schema["properties"] as? [String: Any]) ?? [:]).keys)
                for key in object.keys.sorted() where !known.contains(key) { found.append("\(path): unexpected \(key)") }
            case "items":
                guard let array = value as? [Any] else { continue }
                for (i, element) in array.enumerated() { found += check(element, against: rule as! [String: Any], at: "\(path)[\(i)]") }
            case "minItems", "maxItems":
                guard let array = value as? [Any] else { continue }
                let bound = rule as! Int
                if keyword == "minItems" ? array.count < bound : array.count > bound { found.append("\(path): \(keyword) \(bound)") }
            case "minimum", "maximum":
                guard let number = Self.number(value) else { continue }
                let bound = (rule as! NSNumber).doubleValue
                if keyword == "minimum" ? number < bound : number > bound { found.append("\(path): \(number) breaks \(keyword) \(bound)") }
            case "minLength", "maxLength":
                guard let string = value as? String else { continue }
                let bound = rule as! Int
                if keyword == "minLength" ? string.count < bound : string.count > bound { found.append("\(path): \(keyword) \(bound)") }
            case "pattern":
                guard let string = value as? String else { continue }
                if string.range(of: rule as! String, options: .regularExpression) == nil { found.append("\(path): does not match \(rule)") }
            default:
                found.append("\(path): the validator does not know the keyword \(keyword)")
            }
        }
        return found
    }

    private static func isBoolean(_ value: Any) -> Bool { String(describing: type(of: value)).contains("Boolean") || type(of: value) == Bool.self }

    private static func number(_ value: Any) -> Double? {
        guard !isBoolean(value), let n = value as? NSNumber else { return nil }
        return n.doubleValue
    }

    private static func isOfType(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "object": value is [String: Any]
        case "array": value is [Any]
        case "string": value is String
        case "boolean": isBoolean(value)
        case "number": number(value) != nil
        case "integer": number(value).map { $0 == $0.rounded() } ?? false
        case "null": value is NSNull
        default: false
        }
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        if let a = a as? String, let b = b as? String { return a == b }
        if let a = number(a), let b = number(b) { return a == b }
        return false
    }
}
