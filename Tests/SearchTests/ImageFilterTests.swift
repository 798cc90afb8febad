import Foundation
import Testing

@testable import Search

/// Dates as the command line and the API take them, and which images a filter admits.
@Suite struct ImageFilterTests {
    @Test func daysRunThroughTheirEndAndTimesAreSeconds() throws {
        let day = try ImageFilter.dates(from: "2019-07-04", to: "2019-07-04")
        #expect(day.takenFrom == 1_562_198_400 && day.takenBefore == 1_562_284_800)  // 2019-07-04T00:00Z to 2019-07-05T00:00Z
        let seconds = try ImageFilter.dates(from: "2019-07-04T10:00:00", to: "2019-07-04T10:00:00")
        #expect(seconds.takenFrom == 1_562_234_400 && seconds.takenBefore == 1_562_234_401)
        let open = try ImageFilter.dates(from: nil, to: " 2024-02-29 ")
        #expect(open.takenFrom == nil && open.takenBefore == 1_709_251_200)
        #expect(ImageFilter.text(1_562_234_400) == "2019-07-04T10:00:00")
    }

    @Test func badDatesSayWhatToGive() {
        for (from, to) in [("2019-02-29", nil), ("2024-13-01", nil), ("yesterday", nil), ("2019-07-04T25:00:00", nil), (nil, "2019-7-4"),
                           ("2019-07-04 10:00:00", nil), ("2019-07-05", "2019-07-04")] as [(String?, String?)] {
            do {
                _ = try ImageFilter.dates(from: from, to: to)
                Issue.record("\(from ?? "-") … \(to ?? "-") was taken")
            } catch {
                #expect(error.message.contains("YYYY-MM-DD") || error.message.contains("wrong way round"), "\(error.message)")
            }
        }
    }

    @Test func undatedImagesPassOnlyWithoutDates() {
        let june = ImageFilter(takenFrom: 100, takenBefore: 200)
        #expect(june.admits(taken: 100) && june.admits(taken: 199.5) && !june.admits(taken: 200) && !june.admits(taken: 99) && !june.admits(taken: nil))
        #expect(ImageFilter(folder: "a").admits(taken: nil) && ImageFilter.none.isEmpty && !june.isEmpty)
    }
}
