// Progress lines for long runs, on standard error so tables on standard output stay clean.
import Foundation
import Classifiers
import NeuralNetworks
import Tensors

/// Prints one line per step: "[digits 3/6] knn5: fit 0.01 s, predict 0.52 s, test accuracy 0.9440".
public final class Progress {
    private let experiment: String
    private let total: Int
    private var done = 0
    private let clock = Stopwatch()
    public let quiet: Bool

    public init(experiment: String, steps: Int, quiet: Bool = false) {
        self.experiment = experiment
        self.total = steps
        self.quiet = quiet
    }

    /// Reports that a step finished.
    public func step(_ message: String) {
        done += 1
        log(String(format: "[%@ %d/%d %6.1fs] %@", experiment, done, total, clock.seconds, message))
    }

    /// Reports something that is not a step (a note or a sub-step).
    public func note(_ message: String) {
        log(String(format: "[%@     %6.1fs] %@", experiment, clock.seconds, message))
    }

    private func log(_ line: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Seconds since the experiment started.
    public var elapsed: Double { clock.seconds }
}

/// Progress of one long fit for a command-line user, on standard error: the network trainer's live
/// bar (a terminal) or periodic lines (a log), the classical fits' stages, and, whatever the step,
/// a line at least every `heartbeat` seconds, so no step is silent for long.
public final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let network: TerminalProgressReporter
    private let lock = NSLock()
    private var lastLine = Stopwatch()
    private var lastDraw = Stopwatch()
    private let clock = Stopwatch()
    private var stage = "starting"
    private var timer: DispatchSourceTimer?
    private let terminal = isatty(2) != 0

    /// - Parameters: label names the model in every line; heartbeat is the longest silence in seconds.
    public init(label: String, heartbeat: Double = 5) {
        self.label = label
        network = TerminalProgressReporter(fileDescriptor: 2, force: true, label: label)
        let t = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        t.schedule(deadline: .now() + heartbeat, repeating: 1)
        t.setEventHandler { [weak self] in self?.beat(after: heartbeat) }
        t.resume()
        timer = t
    }

    deinit { timer?.cancel() }

    /// Stops the heartbeat (call when the fit is over).
    public func finish() {
        timer?.cancel()
        timer = nil
    }

    /// The network trainer's events.
    public func training(_ event: TrainingEvent) {
        lock.lock(); defer { lock.unlock() }
        if case let .epochStarted(epoch, of) = event { stage = "epoch \(epoch)/\(of)" }
        network.report(event)
        lastLine = Stopwatch()
    }

    /// A step of a classical fit: a bar on a terminal, a line every few seconds in a log.
    public func fit(_ p: FitProgress) {
        lock.lock(); defer { lock.unlock() }
        stage = "\(p.stage) \(p.done)/\(p.total)"
        let finished = p.done >= p.total
        if terminal {
            guard finished || lastDraw.seconds >= 0.1 else { return }
            lastDraw = Stopwatch()
            let width = 30, filled = p.total > 0 ? min(width, width * p.done / p.total) : 0
            let rate = p.elapsedSeconds > 0 ? Double(p.done) / p.elapsedSeconds : 0
            let left = rate > 0 ? Double(p.total - p.done) / rate : 0
            var line = "\r\u{1B}[2K\(label): \(p.stage) " + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            line += String(format: " %d/%d  %.1f/s  %.0f s left", p.done, p.total, rate, left) + (p.detail.map { "  " + $0 } ?? "")
            FileHandle.standardError.write(Data((line + (finished ? "\n" : "")).utf8))
            lastLine = Stopwatch()
        } else if lastLine.seconds >= 5 || (finished && lastLine.seconds >= 1) {
            emit("\(label): \(p.description)")
        }
    }

    /// A named stage of a fit that is not a network's (sampling patches, k-means, encoding, ...).
    public func stage(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        stage = text
        if lastLine.seconds >= 1 || !terminal { emit("\(label): \(text)") }
    }

    private func beat(after seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        guard lastLine.seconds >= seconds else { return }
        emit(String(format: "%@: %@ (%.0f s so far)", label, stage, clock.seconds))
    }

    private func emit(_ line: String) {
        let text = (terminal ? "\r\u{1B}[2K" : "") + line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
        lastLine = Stopwatch()
    }
}
