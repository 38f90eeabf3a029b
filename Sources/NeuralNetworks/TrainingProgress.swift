// A ready-made progress reporter for executables: on a terminal, a live bar of the epoch with
// images per second and the time left; elsewhere (a log file, CI) plain lines every few seconds.
// One line per finished epoch either way, and a line when training diverged.
import Foundation
import Tensors

/// Reports `TrainingEvent`s on a file descriptor (standard error by default).
public final class TerminalProgressReporter: @unchecked Sendable {
    private let fd: Int32
    private let enabled: Bool
    /// Plain lines instead of a redrawn bar.
    private let plain: Bool
    private let lineInterval: Double
    private let clock = Stopwatch()
    private var lastDraw = 0.0
    private var epochStart = 0.0
    private var runningLoss = 0.0
    private var epochs = 0
    /// Put before every line, e.g. "lenet5: " (empty: nothing).
    private let prefix: String

    /// - Parameters:
    ///   - fileDescriptor: where to write (2 = standard error).
    ///   - force: report even when the stream is not a terminal (as plain lines).
    ///   - plainLines: plain lines even on a terminal (implies `force`).
    ///   - lineInterval: seconds between two plain progress lines within an epoch.
    ///   - label: names the model at the start of every line (nil: no name).
    public init(fileDescriptor: Int32 = 2, force: Bool = false, plainLines: Bool = false, lineInterval: Double = 5, label: String? = nil) {
        fd = fileDescriptor
        prefix = label.map { $0 + ": " } ?? ""
        let terminal = isatty(fileDescriptor) != 0
        enabled = force || plainLines || terminal
        plain = plainLines || !terminal
        self.lineInterval = lineInterval
    }

    /// Pass this as the trainer's `progress` callback.
    public func report(_ event: TrainingEvent) {
        guard enabled else { return }
        switch event {
        case let .resumed(epoch, of):
            write(prefix + "resumed from the checkpoint of epoch \(epoch)/\(of)\n")
        case let .epochStarted(_, of):
            epochs = of
            runningLoss = 0
            epochStart = clock.seconds
            lastDraw = epochStart
        case let .batchFinished(epoch, batch, of, loss, samples, ofSamples):
            runningLoss = batch == 1 ? loss : 0.98 * runningLoss + 0.02 * loss
            batchFinished(epoch: epoch, batch: batch, of: of, samples: samples, ofSamples: ofSamples)
        case let .epochFinished(m):
            write((plain ? "" : "\r\u{1B}[2K") + prefix + Self.epochLine(m, of: epochs) + "\n")
        case let .stoppedEarly(epoch, bestEpoch):
            write(prefix + "stopped early after epoch \(epoch); keeping the weights of epoch \(bestEpoch)\n")
        case let .diverged(report, restart):
            let next = restart.map { "restarting from a fresh network at learning rate \(rateText($0))" } ?? "no restart left"
            write((plain ? "" : "\r\u{1B}[2K") + prefix + "\(report) (\(next))\n")
        }
    }

    private func batchFinished(epoch: Int, batch: Int, of: Int, samples: Int, ofSamples: Int) {
        let now = clock.seconds
        let elapsed = now - epochStart
        let rate = elapsed > 0 ? Double(samples) / elapsed : 0
        let left = rate > 0 ? Double(ofSamples - samples) / rate : 0
        if plain {
            guard now - lastDraw >= lineInterval, batch < of else { return }
            lastDraw = now
            write(prefix + Self.plainLine(epoch: epoch, of: epochs, samples: samples, ofSamples: ofSamples, rate: rate, left: left) + "\n")
            return
        }
        guard batch == of || now - lastDraw > 0.1 else { return }
        lastDraw = now
        let width = 30, done = width * batch / max(of, 1)
        let bar = String(repeating: "█", count: done) + String(repeating: "·", count: width - done)
        write("\r\u{1B}[2K" + prefix + "epoch \(epoch)/\(epochs) \(bar) \(grouped(samples))/\(grouped(ofSamples))  \(grouped(Int(rate.rounded()))) images/s  "
              + "\(secondsText(left)) left  loss \(String(format: "%.4f", runningLoss))")
    }

    /// "epoch 3/15: 12,800/60,000 images, 5,100 images/s, 9 s left"
    static func plainLine(epoch: Int, of: Int, samples: Int, ofSamples: Int, rate: Double, left: Double) -> String {
        "epoch \(epoch)/\(of): \(grouped(samples))/\(grouped(ofSamples)) images, \(grouped(Int(rate.rounded()))) images/s, \(secondsText(left)) left"
    }

    /// The line of a finished epoch: learning rate, training (and test, validation) loss and accuracy, seconds.
    static func epochLine(_ m: EpochMetrics, of epochs: Int) -> String {
        var line = String(format: "epoch %d/%d  lr %.4g  train loss %.4f acc %.4f", m.epoch, epochs, m.learningRate, m.trainLoss, m.trainAccuracy)
        if let l = m.testLoss, let a = m.testAccuracy { line += String(format: "  test loss %.4f acc %.4f", l, a) }
        if let l = m.validationLoss, let a = m.validationAccuracy { line += String(format: "  val loss %.4f acc %.4f", l, a) }
        return line + String(format: "  (%.1f s)", m.trainSeconds)
    }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { _ = Foundation.write(fd, $0.baseAddress, $0.count) }
    }
}

/// Whole seconds below two minutes, else minutes and seconds ("2 min 05 s").
func secondsText(_ s: Double) -> String {
    let t = Int(s.rounded())
    return t < 120 ? "\(t) s" : String(format: "%d min %02d s", t / 60, t % 60)
}
