// Scatter plots of 2-D embeddings (the first two principal components of images, of their HOG
// features, of a network's last hidden layer), one color and marker per class.
import Foundation

/// `points` drawn as small marks, coloured by `labels` (index into `classNames`), with a legend of
/// the classes right of the plot. At most `maxPoints` are drawn: every k-th point in the given
/// order when there are more, so that a 10,000-image test set stays a readable picture.
public func scatterChart(_ points: [(x: Double, y: Double)], labels: [Int], classNames: [String], title: String,
                         xLabel: String, yLabel: String, maxPoints: Int = 2_000, width: Int = 420, height: Int = 340) -> Figure {
    let stride = max(1, (points.count + max(1, maxPoints) - 1) / max(1, maxPoints))
    var byClass = [[(x: Double, y: Double)]](repeating: [], count: classNames.count)
    for i in Swift.stride(from: 0, to: min(points.count, labels.count), by: stride) where byClass.indices.contains(labels[i]) {
        byClass[labels[i]].append(points[i])
    }
    let series = classNames.indices.map { c -> Series in
        var s = Series(name: classNames[c], points: byClass[c], connected: false, markerSize: 4.5)
        // Up to ten classes each get a color of their own; beyond, colors repeat and markers tell.
        if classNames.count <= RGB.tenClassPalette.count { s.color = RGB.tenClassPalette[c] }
        return s
    }
    return lineChart(series, title: title, xLabel: xLabel, yLabel: yLabel, width: width, height: height, markers: false)
}
