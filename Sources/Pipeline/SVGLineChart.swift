import Foundation

/// A small line chart drawn as inline SVG (no scripts, no external files), for the report page.
struct SVGLineChart {
    /// One line of the chart.
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    /// A highlighted point, such as the best epoch.
    var marker: (x: Double, y: Double, label: String)?
    var width = 520.0
    var height = 280.0

    /// The chart as an `<svg>` element.
    func render() -> String {
        let left = 62.0, right = 16.0, top = 46.0, bottom = 46.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(escapeHTML(title))\">"
        svg += "<text x=\"\(left)\" y=\"18\" font-size=\"14\" font-weight=\"600\">\(escapeHTML(title))</text>"
        guard let xMin = points.map(\.x).min(), let xMax = points.map(\.x).max(),
            let yLow = points.map(\.y).min(), let yHigh = points.map(\.y).max()
        else {
            return svg + "<text x=\"\(left)\" y=\"\(top + 20)\" font-size=\"12\">no data</text></svg>"
        }
        let yTicks = Self.niceTicks(low: yLow, high: yHigh)
        let xTicks = Self.niceTicks(low: xMin, high: max(xMax, xMin + 1), integer: true)
        let (y0, y1) = (yTicks.first!, yTicks.last!)
        let (x0, x1) = (xTicks.first!, xTicks.last!)
        func px(_ x: Double) -> Double { left + (x - x0) / max(x1 - x0, 1e-12) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - (y - y0) / max(y1 - y0, 1e-12) * plotHeight }
        for tick in yTicks {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(py(tick)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(py(tick)))\" stroke=\"#e3e3e3\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(py(tick) + 4))\" font-size=\"11\" text-anchor=\"end\">\(Self.label(tick))</text>"
        }
        for tick in xTicks {
            svg += "<text x=\"\(f(px(tick)))\" y=\"\(f(top + plotHeight + 16))\" font-size=\"11\" text-anchor=\"middle\">\(Self.label(tick))</text>"
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#999\"/>"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 8))\" font-size=\"12\" text-anchor=\"middle\">\(escapeHTML(xLabel))</text>"
        svg += "<text transform=\"translate(14 \(f(top + plotHeight / 2))) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">\(escapeHTML(yLabel))</text>"
        for (index, line) in series.enumerated() {
            let drawn = line.points.filter { $0.x.isFinite && $0.y.isFinite }
            let path = drawn.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\" points=\"\(path)\"/>"
            for point in drawn { svg += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"2.5\" fill=\"\(line.color)\"/>" }
            // Legend entries side by side between the title and the plot, clear of the lines.
            let legendX = left + Double(index) * 130, legendY = top - 10
            svg += "<line x1=\"\(f(legendX))\" y1=\"\(f(legendY - 4))\" x2=\"\(f(legendX + 18))\" y2=\"\(f(legendY - 4))\" stroke=\"\(line.color)\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(f(legendX + 24))\" y=\"\(f(legendY))\" font-size=\"11\">\(escapeHTML(line.name))</text>"
        }
        if let marker, marker.x.isFinite, marker.y.isFinite {
            svg += "<circle cx=\"\(f(px(marker.x)))\" cy=\"\(f(py(marker.y)))\" r=\"6\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(f(px(marker.x)))\" y=\"\(f(py(marker.y) - 10))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#d62728\">\(escapeHTML(marker.label))</text>"
        }
        return svg + "</svg>"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Round tick values (steps of 1, 2 or 5 × 10ⁿ) covering `low...high`.
    static func niceTicks(low: Double, high: Double, integer: Bool = false) -> [Double] {
        var (low, high) = (low, high)
        if high - low < 1e-12 {
            low -= 0.5
            high += 0.5
        }
        let rough = (high - low) / 5
        let magnitude = pow(10, floor(log10(rough)))
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        if integer { step = max(1, step.rounded()) }
        let first = floor(low / step) * step
        let last = ceil(high / step) * step
        return stride(from: first, through: last + step / 2, by: step).map { $0 }
    }

    static func label(_ value: Double) -> String {
        abs(value) >= 100 || value == value.rounded() ? String(format: "%.0f", value) : formatDecimal(value)
    }
}

/// Text made safe for HTML element content and attribute values.
func escapeHTML(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.count)
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        default: result.append(character)
        }
    }
    return result
}
