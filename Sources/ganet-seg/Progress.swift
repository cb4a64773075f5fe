import Glibc
import Pipeline
import Platform

/// Progress of long work: a redrawn bar with rate and ETA on a terminal, plain lines otherwise
/// (logs and journald should get one line per step, not control characters).
final class Progress {
    private let total: Int
    private let label: String
    /// " steps", " studies"; nil for a percentage.
    private let unit: String?
    private let stopwatch: Stopwatch
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var done = 0

    /// `total` steps of `unit` (" steps", " studies"), shown as done/total with steps per second;
    /// the rate counts from `since` (default: now) when the work began before the bar is made.
    convenience init(total: Int, label: String, unit: String = "", since: Stopwatch = Stopwatch()) {
        self.init(total: total, label: label, unit: Optional(unit), since: since)
    }

    private init(total: Int, label: String, unit: String?, since: Stopwatch = Stopwatch()) {
        self.total = total
        self.label = label
        self.unit = unit
        stopwatch = since
    }

    /// Work measured in percent (a study's stages), shown as a percentage without a rate.
    static func percent(label: String) -> Progress { Progress(total: 100, label: label, unit: nil) }

    /// Marks `count` more steps done; `detail` is shown beside the bar (e.g. a loss or a study id).
    func advance(by count: Int = 1, detail: String = "") {
        done += count
        let elapsed = stopwatch.total
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let amount = unit.map { "\(done)/\(total)\($0) \(format(rate, 2))/s" } ?? "\(done)%"
        let stats = "\(amount) ETA \(duration(eta))"
        if isTerminal {
            let width = 30
            let filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandleStderr.write("\r\(label) [\(bar)] \(stats) \(detail)\u{1B}[K")
            if done >= total { FileHandleStderr.write("\n") }
        } else {
            FileHandleStderr.write("\(label): \(stats)\(detail.isEmpty ? "" : " " + detail)\n")
        }
    }
}

func format(_ value: Double, _ decimals: Int) -> String {
    var factor = 1.0
    for _ in 0..<decimals { factor *= 10 }
    let rounded = (value * factor).rounded() / factor
    var text = "\(rounded)"
    if let dot = text.firstIndex(of: ".") {
        let have = text.distance(from: dot, to: text.endIndex) - 1
        text += String(repeating: "0", count: max(0, decimals - have))
    }
    return text
}

private func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
}
