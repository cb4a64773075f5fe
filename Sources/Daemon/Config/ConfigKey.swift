import Devices
import Logging

/// One recognised config key: its name and how a TOML value sets it (nil, or what is wrong).
struct ConfigKey: Sendable {
    let name: String
    let apply: @Sendable (inout DaemonConfig, FlatTOML.Value) -> String?

    static let directories = [
        path("inbox", \.inbox), path("work", \.work), path("outbox", \.outbox),
        path("failed", \.failed), path("archive", \.archive),
    ]

    static let all = directories + [
        path("model", \.model),
        path("gan", \.gan, allowEmpty: true),
        fraction("anomaly_threshold", \.anomalyThreshold),
        choice("anomaly_map", \.anomalyMethod),
        device("device", \.device),
        seconds("settle_seconds", \.settleSeconds),
        name("marker", \.marker),
        seconds("incomplete_timeout_seconds", \.incompleteTimeoutSeconds),
        seconds("rescan_interval_seconds", \.rescanIntervalSeconds),
        choice("input_retention", \.inputRetention),
        choice("label_convention", \.labelConvention),
        integer("min_lesion_voxels", \.postprocessing.minimumLesionVoxels, minimum: 0),
        fraction("min_lesion_fraction", \.postprocessing.minimumLesionFraction),
        fraction("isolated_enhancement_share", \.postprocessing.isolatedEnhancementShare),
        fraction("enclosed_core_fraction", \.postprocessing.enclosedCoreFraction),
        fraction("faint_oedema_fraction", \.postprocessing.faintOedemaFraction),
        integer("max_study_bytes", \.maxStudyBytes, minimum: 1),
        integer("max_voxels", \.maxVoxels, minimum: 1),
        seconds("study_timeout_seconds", \.studyTimeoutSeconds, minimum: 1),
        integer("max_attempts", \.maxAttempts, minimum: 1),
        seconds("retry_backoff_seconds", \.retryBackoffSeconds),
        seconds("shutdown_grace_seconds", \.shutdownGraceSeconds),
        choice("log_level", \.logLevel),
        integer("concurrency", \.concurrency, minimum: 1, maximum: 64),
    ]

    /// The known key nearest to a misspelt one (at most two edits away).
    static func closest(to key: String) -> String? {
        all.map { ($0.name, editDistance($0.name, key)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }

    /// An absolute path (or, with `allowEmpty`, "" for none).
    private static func path(_ name: String, _ keyPath: WritableKeyPath<DaemonConfig, String> & Sendable,
                             allowEmpty: Bool = false) -> ConfigKey {
        ConfigKey(name: name) { config, value in
            guard case .string(let s) = value else { return "expected a string, found \(value.typeName)" }
            if allowEmpty && s.isEmpty {
                config[keyPath: keyPath] = s
                return nil
            }
            guard s.hasPrefix("/") else {
                return "must be an absolute path\(allowEmpty ? " or \"\"" : ""), got \"\(s)\""
            }
            config[keyPath: keyPath] = s.count > 1 && s.hasSuffix("/") ? String(s.dropLast()) : s
            return nil
        }
    }

    /// A single file name (no '/', not empty).
    private static func name(_ name: String, _ keyPath: WritableKeyPath<DaemonConfig, String> & Sendable) -> ConfigKey {
        ConfigKey(name: name) { config, value in
            guard case .string(let s) = value else { return "expected a string, found \(value.typeName)" }
            guard !s.isEmpty, !s.contains("/"), s != ".", s != ".." else { return "must be a plain file name, got \"\(s)\"" }
            config[keyPath: keyPath] = s
            return nil
        }
    }

    private static func choice<T: RawRepresentable<String> & CaseIterable & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<DaemonConfig, T> & Sendable) -> ConfigKey {
        ConfigKey(name: name) { config, value in
            let allowed = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            guard case .string(let s) = value, let choice = T(rawValue: s) else {
                return "expected one of \(allowed), found \(value.display)"
            }
            config[keyPath: keyPath] = choice
            return nil
        }
    }

    private static func device(_ name: String, _ keyPath: WritableKeyPath<DaemonConfig, DeviceSelection> & Sendable) -> ConfigKey {
        ConfigKey(name: name) { config, value in
            guard case .string(let s) = value, let selection = DeviceSelection(s) else {
                let allowed = DeviceSelection.spellings.map { "\"\($0)\"" }.joined(separator: ", ")
                return "expected one of \(allowed), found \(value.display)"
            }
            config[keyPath: keyPath] = selection
            return nil
        }
    }

    private static func integer(_ name: String, _ keyPath: WritableKeyPath<DaemonConfig, Int> & Sendable,
                                minimum: Int, maximum: Int = .max) -> ConfigKey {
        ConfigKey(name: name) { config, value in
            guard case .integer(let n) = value else { return "expected an integer, found \(value.typeName)" }
            guard n >= minimum, n <= maximum else {
                return maximum == .max ? "must be at least \(minimum), got \(n)" : "must be \(minimum)...\(maximum), got \(n)"
            }
            config[keyPath: keyPath] = n
            return nil
        }
    }

    /// A number in 0...1.
    private static func fraction(_ name: String, _ keyPath: WritableKeyPath<DaemonConfig, Double> & Sendable) -> ConfigKey {
        ConfigKey(name: name) { config, value in
            let x: Double
            switch value {
            case .integer(let n): x = Double(n)
            case .float(let f): x = f
            default: return "expected a number, found \(value.typeName)"
            }
            guard (0...1).contains(x) else { return "must be in 0...1, got \(x)" }
            config[keyPath: keyPath] = x
            return nil
        }
    }

    private static func seconds(_ name: String, _ keyPath: WritableKeyPath<DaemonConfig, Double> & Sendable,
                                minimum: Double = 0) -> ConfigKey {
        ConfigKey(name: name) { config, value in
            let seconds: Double
            switch value {
            case .integer(let n): seconds = Double(n)
            case .float(let x): seconds = x
            default: return "expected a number of seconds, found \(value.typeName)"
            }
            guard seconds >= minimum else { return "must be at least \(minimum) seconds, got \(seconds)" }
            config[keyPath: keyPath] = seconds
            return nil
        }
    }
}

private extension FlatTOML.Value {
    var display: String {
        if case .string(let s) = self { return "\"\(s)\"" }
        return typeName
    }
}

private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
