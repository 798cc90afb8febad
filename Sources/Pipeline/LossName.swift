import Training

/// The losses `train --loss` names, each a ``PairLoss`` once its margin or temperature is known.
public enum LossName: String, CaseIterable, Sendable {
    case angular
    case angularWithPositive = "angular-with-positive"
    case angularTriplet = "angular-triplet"
    case vsepp
    case vseppHard = "vsepp-hard"
    case infonce
    case triplet
    case tripletHard = "triplet-hard"

    /// The loss with `margin` (hinge losses; 0.2 for VSE++, 1 for the squared-L2 triplets by default)
    /// or `temperature` (InfoNCE, 0.05 by default).
    public func loss(margin: Float?, temperature: Float?) -> PairLoss {
        switch self {
        case .angular: .angularNPair(tanSquared: 1, positiveAmongNegatives: false)
        case .angularWithPositive: .angularNPair(tanSquared: 1, positiveAmongNegatives: true)
        case .angularTriplet: .angularTriplet(tanSquared: 1)
        case .vsepp: .vsePlusPlus(margin: margin ?? 0.2, hardestNegative: false)
        case .vseppHard: .vsePlusPlus(margin: margin ?? 0.2, hardestNegative: true)
        case .infonce: .infoNCE(temperature: temperature ?? 0.05)
        case .triplet: .tripletSquaredL2(margin: margin ?? 1)
        case .tripletHard: .hardestTripletSquaredL2(margin: margin ?? 1)
        }
    }
}
