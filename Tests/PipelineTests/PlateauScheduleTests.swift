import Testing

@testable import Training

/// The plateau schedule against `torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', patience=5)`
/// stepped on the same validation losses (torch 2.13, recorded below).
@Suite struct PlateauScheduleTests {
    @Test func cutsWhenPyTorchCuts() {
        let losses = [1.0, 0.9, 0.89995, 0.95, 0.9, 0.91, 0.92, 0.93, 0.94, 0.899, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.92, 0.84, 0.8]
        // PyTorch's learning rate after each step: the cut comes on the 6th bad epoch (index 7 and index 16), and
        // 0.89995 is not better than 0.9 (less than 1e-4 of it lower).
        let torch: [Double] = [1e-4, 1e-4, 1e-4, 1e-4, 1e-4, 1e-4, 1e-4, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5, 1e-6, 1e-6, 1e-6, 1e-6]
        var configuration = TrainingConfiguration()
        (configuration.plateauPatience, configuration.plateauFactor) = (5, 0.1)
        let optimizer = AdamOptimizer(learningRate: 1e-4, weightDecay: 0)
        var state = Trainer.RunState()
        for (epoch, loss) in losses.enumerated() {
            Trainer.stepPlateau(&state, score: -loss, configuration: configuration, optimizer: optimizer)
            #expect(abs(Double(optimizer.learningRate) - torch[epoch]) < 1e-3 * torch[epoch], "epoch \(epoch + 1): \(optimizer.learningRate)")
        }
    }
}
