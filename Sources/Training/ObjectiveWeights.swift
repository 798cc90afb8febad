/// The weights of the objective's four terms:
/// `L = imageToText · L_i2t + textToImage · L_t2i + image · L_img + text · L_text`.
///
/// `L_img` pulls an image towards the image of a caption's Doc2Vec neighbour, `L_text` a caption towards
/// that neighbour caption (the first work's within-modality terms).
public struct ObjectiveWeights: Codable, Equatable, Sendable {
    /// Images as anchors, their captions as positives.
    public var imageToText: Float
    /// Captions as anchors, their images as positives (the first work's "sym" term).
    public var textToImage: Float
    /// An image and the image of its caption's neighbour (L_img).
    public var image: Float
    /// A caption and its neighbour caption (L_text).
    public var text: Float

    /// Creates weights; terms left out weigh nothing.
    public init(imageToText: Float = 0, textToImage: Float = 0, image: Float = 0, text: Float = 0) {
        self.imageToText = imageToText
        self.textToImage = textToImage
        self.image = image
        self.text = text
    }

    /// The two cross-modal terms alone, each with weight 1.
    public static let crossModal = ObjectiveWeights(imageToText: 1, textToImage: 1)

    /// The first work's weights: 1, 1, 0.3, 0.2.
    public static let neighborhoods = ObjectiveWeights(imageToText: 1, textToImage: 1, image: 0.3, text: 0.2)

    /// The weights in the order of `--weights` and of older `config.json` files: i2t, t2i (sym), img, text.
    public var ordered: [Float] { [imageToText, textToImage, image, text] }

    /// Weights from the four numbers of `--weights` (i2t, sym, img, text).
    public init(ordered values: [Float]) throws(TrainingError) {
        guard values.count == 4 else {
            throw TrainingError("weights are four numbers (i2t, sym, img, text), e.g. 1,1,0.3,0.2; got \(values.count)")
        }
        self.init(imageToText: values[0], textToImage: values[1], image: values[2], text: values[3])
    }

    /// Whether a within-modality term is on, so that training needs neighbourhoods.
    public var usesNeighbors: Bool { image > 0 || text > 0 }

    private enum CodingKeys: String, CodingKey { case imageToText, textToImage, image, text }

    /// Decodes `{"imageToText": …, …}`, or the array `[i2t, sym, img, text]` that runs written before
    /// the weights had names recorded.
    public init(from decoder: Decoder) throws {
        if let values = try? decoder.singleValueContainer().decode([Float].self) {
            do {
                try self.init(ordered: values)
            } catch {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
            }
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            imageToText: try c.decode(Float.self, forKey: .imageToText), textToImage: try c.decode(Float.self, forKey: .textToImage),
            image: try c.decode(Float.self, forKey: .image), text: try c.decode(Float.self, forKey: .text))
    }
}
