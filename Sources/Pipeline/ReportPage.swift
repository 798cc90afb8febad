import Evaluation
import Foundation
import Training

/// The HTML of a run report, built section by section; everything inline (CSS, SVG, data-URI images).
struct ReportPage {
    /// One image among a text query's results.
    struct ImageHit {
        var id: String
        var thumbnail: String
        var score: Float
        var correct: Bool
    }

    /// A caption used as a query, with its top images.
    struct TextQuery {
        var caption: String
        var firstCorrectRank: Int
        var results: [ImageHit]
    }

    /// One caption among an image query's results.
    struct CaptionHit {
        var text: String
        var score: Float
        var correct: Bool
    }

    /// An image used as a query, with its top captions.
    struct ImageQuery {
        var id: String
        var thumbnail: String
        var firstCorrectRank: Int?
        var results: [CaptionHit]
    }

    let title: String
    private var sections: [String] = []

    init(title: String) { self.title = title }

    mutating func addRunSection(_ run: RunDescription, source: String) {
        let t = run.training
        func tower(_ spec: TowerSpecification) -> String {
            (spec.hidden.isEmpty ? "Linear" : "MLP \(spec.hidden.map(String.init).joined(separator: " → "))")
                + (spec.initialization == .xavier ? " (Xavier, bias 0.1)" : "")
        }
        let tokens = t.tokenSettings
        let textSide = t.textRecurrentHidden.map {
            "GRU (\($0)) over Doc2Vec word vectors, " + (tokens.maxTokens.map { "≤ \($0) tokens" } ?? "every token")
                + (tokens.startEnd ? " framed by START/END" : "") + " → \(tower(t.textTower))"
        } ?? "\(run.textEncoder.rawValue) features → \(tower(t.textTower))"
        var schedule = "stop and choose on \(t.stopOn.rawValue), patience \(t.patience), at most \(t.maxEpochs) epochs"
        if t.plateauPatience > 0 { schedule += "; ×\(formatDecimal(Double(t.plateauFactor))) after \(t.plateauPatience) epochs without improvement" }
        if let step = t.stepDecay { schedule += "; ×\(formatDecimal(Double(step.factor))) every \(step.epochs) epochs" }
        if t.keep == .last { schedule += "; the last epoch kept" }
        let rows: [(String, String)] = [
            ("preset", run.preset), ("dataset", source), ("trained on / chosen on", "\(run.trainSplit) / \(run.validationSplit)"),
            ("image side", t.imageFinetuning.map { f in
                "\(run.imageEncoder.rawValue), its last \(f.blocks) blocks and head fine-tuned (learning rate \(f.learningRate)"
                    + (f.flip ? ", random flips" : "") + ") → \(tower(t.imageTower)) → \(t.embeddingDimension)-d"
            } ?? "\(run.imageEncoder.rawValue) features → \(tower(t.imageTower)) → \(t.embeddingDimension)-d"),
            ("text side", "\(textSide) → \(t.embeddingDimension)-d"),
            ("loss", "\(t.loss), negatives \(t.negativeSampling.rawValue)" + (t.normalize ? "" : ", unnormalised")),
            ("weights i2t, sym, img, text", t.weights.ordered.map { formatDecimal(Double($0)) }.joined(separator: ", ")),
            ("optimiser", "Adam \(t.learningRate), weight decay \(t.weightDecay), batch \(t.batchSize)"),
            ("schedule", schedule),
            ("separate direction models", (run.separateDirections ?? false) ? "yes" : "no"),
        ]
        sections.append("<section><h2>Run</h2><table class=\"facts\">"
            + rows.map { "<tr><th>\(escapeHTML($0.0))</th><td>\(escapeHTML($0.1))</td></tr>" }.joined() + "</table></section>")
    }

    mutating func addMetrics(_ summary: EvaluationSummary) {
        let r = summary.retrieval
        var html = "<section><h2>Metrics on \(escapeHTML(summary.split))</h2>"
        html += "<p>\(grouped(r.images)) images, \(grouped(r.captions)) captions; exact ranks, ties in gallery order.</p>"
        html += "<table class=\"metrics\"><tr><th></th><th>R@1</th><th>R@5</th><th>R@10</th><th>median rank</th><th>mean rank</th><th>mAP@\(r.imageToText.k)<sup>*</sup></th><th>mAP@R</th></tr>"
        for (name, m) in [("image → text", r.imageToText), ("text → image", r.textToImage)] {
            html += "<tr><th>\(name)</th>" + [
                String(format: "%.1f", m.recallAt1), String(format: "%.1f", m.recallAt5), String(format: "%.1f", m.recallAt10),
                formatDecimal(m.medianRank), String(format: "%.1f", m.meanRank), String(format: "%.4f", m.mapAtK), String(format: "%.4f", m.mapAtR),
            ].map { "<td>\($0)</td>" }.joined() + "</tr>"
        }
        html += "</table><p class=\"rsum\">rsum <strong>\(String(format: "%.1f", r.rsum))</strong></p>"
        html += "<p class=\"note\"><sup>*</sup> the second work's “mAP@k”: the mean reciprocal rank of the first correct item, 0 beyond k.</p>"
        if let p = summary.neighborhoodPreservation {
            html += "<h3>Neighbourhood preservation@\(p.k)</h3><p>Share of each item's \(p.k) nearest neighbours it also has in Doc2Vec space.</p>"
            html += "<table class=\"metrics\"><tr><th></th><th>learned space</th><th>input features</th><th>chance</th></tr>"
            html += "<tr><th>captions</th><td>\(String(format: "%.4f", p.text))</td><td>\(p.textInputFeatures.map { String(format: "%.4f", $0) } ?? "n/a")</td><td>\(String(format: "%.4f", p.textChance))</td></tr>"
            html += "<tr><th>images</th><td>\(String(format: "%.4f", p.image))</td><td>\(String(format: "%.4f", p.imageInputFeatures))</td><td>\(String(format: "%.4f", p.imageChance))</td></tr></table>"
        }
        if let spread = summary.spread {
            html += "<p>Spread (mean distance to the centroid over mean norm, images/texts; 0 is a collapse to one point): "
                + spread.relativeText + "." + (spread.isCollapsed ? " <strong>The space has collapsed to one point.</strong>" : "") + "</p>"
        }
        sections.append(html + "</section>")
    }

    mutating func addCurves(_ charts: [SVGLineChart]) {
        sections.append("<section><h2>Training curves</h2><div class=\"charts\">" + charts.map { "<figure>\($0.render())</figure>" }.joined() + "</div></section>")
    }

    /// The run's match probability on this split: a reliability diagram (predicted against observed share of
    /// matches per bin, bar width by the bin's share of results) and its numbers.
    mutating func addCalibration(_ calibration: MatchCalibration, split: String, bins: [MatchCalibration.Bin], error: Double, answered: Double) {
        let (size, left, top) = (300.0, 50.0, 20.0)
        let total = max(bins.reduce(0) { $0 + $1.weight }, 1e-12)
        func x(_ v: Double) -> String { String(format: "%.1f", left + v * size) }
        func y(_ v: Double) -> String { String(format: "%.1f", top + (1 - v) * size) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(size + left + 20)) \(Int(size + top + 50))\" width=\"\(Int(size + left + 20))\" "
            + "height=\"\(Int(size + top + 50))\" role=\"img\" aria-label=\"reliability diagram\">"
        svg += "<rect x=\"\(x(0))\" y=\"\(y(1))\" width=\"\(size)\" height=\"\(size)\" fill=\"none\" stroke=\"#999\"/>"
        svg += "<line x1=\"\(x(0))\" y1=\"\(y(0))\" x2=\"\(x(1))\" y2=\"\(y(1))\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>"
        for bin in bins where bin.weight > 0 {
            // The bar spans the bin and rises to the observed share; its opacity grows with the bin's share of results.
            let opacity = 0.25 + 0.75 * min(1, (bin.weight / total).squareRoot())
            svg += "<rect x=\"\(x(bin.lower))\" y=\"\(y(bin.observed))\" width=\"\(String(format: "%.1f", (bin.upper - bin.lower) * size - 2))\" "
                + "height=\"\(String(format: "%.1f", bin.observed * size))\" fill=\"#3a6ea5\" fill-opacity=\"\(String(format: "%.2f", opacity))\"/>"
            svg += "<circle cx=\"\(x(bin.predicted))\" cy=\"\(y(bin.predicted))\" r=\"3\" fill=\"#b00020\"/>"
        }
        for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
            svg += "<text x=\"\(x(tick))\" y=\"\(String(format: "%.1f", top + size + 16))\" font-size=\"11\" text-anchor=\"middle\">\(String(format: "%.1f", tick))</text>"
            svg += "<text x=\"\(String(format: "%.1f", left - 6))\" y=\"\(y(tick))\" font-size=\"11\" text-anchor=\"end\" dominant-baseline=\"middle\">\(String(format: "%.1f", tick))</text>"
        }
        svg += "<text x=\"\(x(0.5))\" y=\"\(String(format: "%.1f", top + size + 36))\" font-size=\"12\" text-anchor=\"middle\">predicted match probability</text></svg>"
        var html = "<section><h2>Match probability on \(escapeHTML(split))</h2><p>"
            + escapeHTML(String(
                format: "p = σ(%.3f · %@ %+.3f), fitted on %@. Each bar is a bin of results (the 10 best images of every caption): its "
                    + "height the share that were the caption's own image, the red dot the mean predicted probability; a calibrated "
                    + "model has the dots on the bars' tops and the diagonal. Expected calibration error %.3f over %d bins; %.1f%% of "
                    + "the captions' best results reach the minimum probability %.3f.",
                calibration.slope, calibration.usesPhrases ? "(score − image baseline)" : "score", calibration.intercept, calibration.split, error, MatchCalibration.binCount, 100 * answered,
                calibration.minProbability))
            + "</p><figure>\(svg)</figure><table class=\"metrics\"><tr><th>predicted</th><th>results</th><th>mean predicted</th><th>observed</th></tr>"
        for bin in bins where bin.weight > 0 {
            html += String(format: "<tr><td>%.1f–%.1f</td><td>%.0f</td><td>%.3f</td><td>%.3f</td></tr>", bin.lower, bin.upper, bin.weight, bin.predicted, bin.observed)
        }
        sections.append(html + "</table></section>")
    }

    mutating func addTextQueries(_ queries: [TextQuery]) {
        guard !queries.isEmpty else { return }
        var html = "<section><h2>Text → image</h2>"
        for query in queries {
            let rank = query.firstCorrectRank <= query.results.count ? "" : " <span class=\"miss\">(correct image at rank \(query.firstCorrectRank))</span>"
            html += "<div class=\"query\"><p class=\"caption\">“\(escapeHTML(query.caption))”\(rank)</p><div class=\"grid\">"
            for (index, hit) in query.results.enumerated() {
                html += "<figure class=\"hit\(hit.correct ? " correct" : "")\"><img src=\"\(hit.thumbnail)\" alt=\"\(escapeHTML(hit.id))\">"
                html += "<figcaption>\(index + 1). \(hit.correct ? "✓ " : "")\(String(format: "%.3f", hit.score))</figcaption></figure>"
            }
            html += "</div></div>"
        }
        sections.append(html + "</section>")
    }

    mutating func addImageQueries(_ queries: [ImageQuery]) {
        guard !queries.isEmpty else { return }
        var html = "<section><h2>Image → text</h2>"
        for query in queries {
            html += "<div class=\"query image-query\"><img src=\"\(query.thumbnail)\" alt=\"\(escapeHTML(query.id))\"><div><p class=\"id\">\(escapeHTML(query.id))"
            if let rank = query.firstCorrectRank, rank > query.results.count { html += " <span class=\"miss\">(first correct caption at rank \(rank))</span>" }
            html += "</p><ol>"
            for hit in query.results {
                html += "<li class=\"\(hit.correct ? "correct" : "")\">\(hit.correct ? "✓ " : "")\(escapeHTML(hit.text)) <span class=\"score\">\(String(format: "%.3f", hit.score))</span></li>"
            }
            html += "</ol></div></div>"
        }
        sections.append(html + "</section>")
    }

    /// The complete page.
    func render() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escapeHTML(title))</title>
        <style>
        body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; padding: 0 16px; color: #222; }
        h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 32px; }
        table { border-collapse: collapse; } th, td { padding: 4px 10px; border-bottom: 1px solid #eee; text-align: right; }
        table.facts th, table.facts td { text-align: left; } table.metrics td { font-variant-numeric: tabular-nums; }
        .rsum { font-size: 16px; } .note { color: #666; font-size: 12px; }
        .charts { display: flex; flex-wrap: wrap; gap: 12px; } figure { margin: 0; }
        .query { margin: 14px 0; } .caption { font-style: italic; margin: 4px 0; }
        .grid { display: flex; gap: 8px; flex-wrap: wrap; }
        .hit { border: 3px solid transparent; padding: 2px; text-align: center; } .hit img { display: block; max-height: 120px; }
        .hit.correct { border-color: #2ca02c; } figcaption { font-size: 12px; color: #444; }
        .image-query { display: flex; gap: 14px; align-items: flex-start; } .image-query img { max-height: 120px; }
        .image-query ol { margin: 4px 0; padding-left: 22px; } li.correct { color: #1a7f1a; font-weight: 600; }
        .score, .id { color: #777; font-size: 12px; } .miss { color: #b33; font-style: normal; font-size: 12px; }
        </style></head><body>
        <h1>\(escapeHTML(title))</h1>
        \(sections.joined(separator: "\n"))
        </body></html>

        """
    }
}
