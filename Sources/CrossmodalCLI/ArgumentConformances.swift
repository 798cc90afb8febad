import ArgumentParser
import Neighbors
import Pipeline
import TextModels
import Training

// The library's names, as command-line values.
extension ImageEncoderName: ExpressibleByArgument {}
extension TextEncoderName: ExpressibleByArgument {}
extension TrainingPreset: ExpressibleByArgument {}
extension LossName: ExpressibleByArgument {}
extension TextTowerKind: ExpressibleByArgument {}
extension TrainingConfiguration.StoppingMetric: ExpressibleByArgument {}
extension TowerSpecification.Activation: ExpressibleByArgument {}
extension NeighborMetric: ExpressibleByArgument {}
extension Doc2VecConfiguration.Mode: ExpressibleByArgument {}
extension Doc2VecPreset: ExpressibleByArgument {}
extension NegativeSampling: ExpressibleByArgument {}
extension EpochPairs: ExpressibleByArgument {}
extension CheckpointChoice: ExpressibleByArgument {}
extension ValidationLoss: ExpressibleByArgument {}
extension LinearInitialization: ExpressibleByArgument {}
extension NeighborSource.Vectors: ExpressibleByArgument {}
extension NeighborSource.Search: ExpressibleByArgument {}
