import Training

/// What a training run tells its caller as it goes; the command line prints these.
public struct TrainingEvents {
    /// Progress bars and notes of the feature and Doc2Vec steps.
    public var observer: PipelineObserver
    /// A line about the next stage ("Doc2Vec on 30,000 captions …", "image→text model …").
    public var stage: (String) -> Void
    /// Pairs done and pairs per epoch, after every step.
    public var step: (Int, Int) -> Void
    /// One finished epoch of the model being trained.
    public var epoch: (EpochRecord) -> Void

    /// Events from their callbacks.
    public init(
        observer: PipelineObserver, stage: @escaping (String) -> Void, step: @escaping (Int, Int) -> Void,
        epoch: @escaping (EpochRecord) -> Void
    ) {
        self.observer = observer
        self.stage = stage
        self.step = step
        self.epoch = epoch
    }

    /// Drops every event.
    public static var silent: TrainingEvents { TrainingEvents(observer: .silent, stage: { _ in }, step: { _, _ in }, epoch: { _ in }) }
}
