import TextModels

/// Starting points for Doc2Vec settings.
public enum Doc2VecPreset: String, CaseIterable, Sendable {
    /// Tuned for short captions (PV-DBOW, min_count 2, 100 epochs, alpha 0.05).
    case captions
    /// The first work's settings (PV-DM, window 20, min_count 20, 50 epochs), for article-length texts.
    case reference

    /// The preset's settings.
    public var configuration: Doc2VecConfiguration { self == .captions ? Doc2VecConfiguration() : .reference }
}
