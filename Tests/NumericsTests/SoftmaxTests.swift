import Numerics
import Testing

@Suite struct SoftmaxTests {
    @Test func logSumExpMatchesHandValues() throws {
        // log(e + e² + e³) = 3.4076059644443806
        #expect(abs(logSumExp([1, 2, 3]) - 3.4076059644) < 1e-6)
        // Stable for large inputs: 1000 + log 2.
        #expect(abs(logSumExp([1000, 1000]) - 1000.6931472) < 1e-3)
        #expect(abs(logSumExp([-1000, -1000]) - -999.3068528) < 1e-3)
        #expect(logSumExp([]) == -.infinity)
        #expect(logSumExp([-.infinity, -.infinity]) == -.infinity)
        let m = try Matrix([[1, 2, 3], [0, 0, 0]])
        let lse = m.rowLogSumExp()
        #expect(abs(lse[1] - 1.0986123) < 1e-6)  // log 3
    }

    @Test func softmaxRowsSumToOne() throws {
        var m = try Matrix([[1, 2, 3], [1000, 1000, -.infinity]])
        m.softmaxRows()
        // e^(x - lse): 0.09003057, 0.24472847, 0.66524096
        #expect(abs(m[0, 0] - 0.09003057) < 1e-6)
        #expect(abs(m[0, 1] - 0.24472847) < 1e-6)
        #expect(abs(m[0, 2] - 0.66524096) < 1e-6)
        #expect(m[1, 0] == 0.5 && m[1, 1] == 0.5 && m[1, 2] == 0)
    }
}
