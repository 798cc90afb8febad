import Foundation
import TestSupport
import Testing

/// Embedding a WebDataset under a real Slurm (Debian's slurm-wlm, one host, started by scripts/slurm/cluster.sh)
/// into a real PostgreSQL: a 4-task job array shares the batches through the work table, one task is killed
/// while it holds a claimed batch, and every image still ends up stored exactly once, with the vectors that
/// `embed images --out` computes for the same shards.
@Suite(.serialized) struct SlurmArrayTests {
    @Test func aKilledTaskLeavesItsBatchToTheOthers() throws {
        let flickr = try #require(CommandRunner.sharedFlickr8k, "../shared/flickr8k is needed (CI puts it beside the checkout)")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let shards = try Self.writeShards(from: flickr, into: folder.appendingPathComponent("shards"), samples: 24, perShard: 10)

        let server = try PostgresServer()
        defer { server.stop() }
        let cluster = folder.appendingPathComponent("slurm")
        let started = try CommandRunner.runProgram(["env", "SLURM_PORT_BASE=\(try freeLoopbackPort())", "bash", "scripts/slurm/cluster.sh", "start", cluster.path])
        try #require(started.status == 0, "scripts/slurm/cluster.sh start failed (apt-get install slurm-wlm munge): \(started.standardError)")
        defer { _ = try? CommandRunner.runProgram(["bash", "scripts/slurm/cluster.sh", "stop", cluster.path]) }
        let conf = "SLURM_CONF=" + started.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        // Task 1 holds every batch it claims for a minute before committing: it is killed while holding one. The
        // others hold theirs a second, so they cannot take every batch before task 1 has started; when only held
        // batches are left they wait (--wait-for-held, 120 s by default) and take task 1's once it is killed.
        let job = folder.appendingPathComponent("job.sh")
        try """
            #!/usr/bin/env bash
            pause="--claim-pause 1"
            [ "$SLURM_ARRAY_TASK_ID" = 1 ] && pause="--claim-pause 60"
            export CROSSMODAL_ARGS="--batch-size 2 $pause"
            exec bash \(CommandRunner.repository.appendingPathComponent("scripts/slurm/embed.sbatch").path)
            """.write(to: job, atomically: true, encoding: .utf8)
        let submitted = try CommandRunner.runProgram([
            "env", conf, "CROSSMODAL_BIN=\(CommandRunner.executable.path)", "CROSSMODAL_DATASET=\(shards.path)", "CROSSMODAL_DB=\(server.url)",
            "CROSSMODAL_TABLE=shards", "sbatch", "--parsable", "--array=0-3", "--output=\(folder.path)/task-%a.out", job.path,
        ])
        try #require(submitted.status == 0, "sbatch: \(submitted.standardError)")
        let jobID = submitted.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        let taskOne = folder.appendingPathComponent("task-1.out")
        let claimedLine = try Self.waitFor(seconds: 120) {
            (try? String(contentsOf: taskOne, encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("claimed batch") }.map(String.init)
        }
        let claimed = try #require(claimedLine.flatMap { Int($0.split(separator: " ")[2]) }, "task 1 never claimed a batch")
        let cancelled = try CommandRunner.runProgram(["env", conf, "scancel", "--signal=KILL", "\(jobID)_1"])
        try #require(cancelled.status == 0, "scancel: \(cancelled.standardError)")
        _ = try Self.waitFor(seconds: 300) { () -> Bool? in
            let queue = try? CommandRunner.runProgram(["env", conf, "squeue", "-h", "-j", jobID])
            return queue.map { $0.status == 0 && $0.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } == true ? true : nil
        }
        let logs = (0..<4).map { (try? String(contentsOf: folder.appendingPathComponent("task-\($0).out"), encoding: .utf8)) ?? "" }

        // Every key once, every batch done, the killed task's batch by another task.
        #expect(try Self.psql(server.url, "SELECT count(*), count(DISTINCT id) FROM shards") == "24|24", "\(logs)")
        #expect(try Self.psql(server.url, "SELECT count(*) FILTER (WHERE done), count(*) FROM shards_work") == "12|12")
        let finisher = try Self.psql(server.url, "SELECT worker FROM shards_work WHERE batch = \(claimed)")
        #expect(!finisher.hasSuffix("task 1") && finisher.contains("task"), "batch \(claimed) finished by \(finisher)")
        #expect(logs[1].contains("CANCELLED") || !logs[1].contains("this worker:"), "\(logs[1])")

        // The stored vectors are the ones a single worker writes to a file.
        let file = folder.appendingPathComponent("one.npy")
        let single = try CommandRunner.run(["embed", "images", shards.path, "--split", "all", "--out", file.path])
        try #require(single.status == 0, "\(single.standardError)")
        let stored = folder.appendingPathComponent("stored.txt")
        try Self.psql(server.url, "SELECT id, embedding::text FROM shards ORDER BY id").write(to: stored, atomically: true, encoding: .utf8)
        let check = try CommandRunner.runProgram([
            "python3", "-c",
            """
            import numpy, subprocess, sys
            vectors = numpy.load(sys.argv[1]); ids = open(sys.argv[2]).read().split()
            worst = 0.0
            for line in open(sys.argv[3]).read().strip().split("\\n"):
                key, text = line.split("|")
                stored = numpy.array([float(v) for v in text.strip("[]").split(",")], dtype=numpy.float32)
                worst = max(worst, float(numpy.abs(stored - vectors[ids.index(key)]).max()))
            print(worst)
            """,
            file.path, folder.appendingPathComponent("one.ids.txt").path,
            stored.path,
        ])
        try #require(check.status == 0, "\(check.standardError)")
        #expect((Double(check.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1) == 0, "largest difference \(check.standardOutput)")
    }

    /// `samples` dev photos of Flickr8k with their first captions, `perShard` to a shard, as img2dataset lays them
    /// out (`00000.tar` holding `000000000.jpg` and `000000000.txt`, …).
    static func writeShards(from flickr: URL, into folder: URL, samples: Int, perShard: Int) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let names = try String(contentsOf: flickr.appendingPathComponent("Flickr_8k.devImages.txt"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).prefix(samples).map(String.init)
        var captions: [String: String] = [:]
        for line in try String(contentsOf: flickr.appendingPathComponent("Flickr8k.token.txt"), encoding: .utf8).split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let image = parts[0].split(separator: "#").first else { continue }
            if captions[String(image)] == nil { captions[String(image)] = String(parts[1]) }
        }
        for start in stride(from: 0, to: names.count, by: perShard) {
            var members: [(name: String, data: Data)] = []
            for (offset, name) in names[start..<min(names.count, start + perShard)].enumerated() {
                let key = String(format: "%09d", start + offset)
                members.append(("\(key).jpg", try Data(contentsOf: flickr.appendingPathComponent("images/\(name)"))))
                members.append(("\(key).txt", Data((captions[name] ?? "a photo").utf8)))
            }
            try TarWriter.archive(members).write(to: folder.appendingPathComponent(String(format: "%05d.tar", start / perShard)))
        }
        return folder
    }

    /// The unaligned rows of a query, `|`-separated, through the pgserver wheel's psql.
    static func psql(_ url: String, _ sql: String) throws -> String {
        let psql = CommandRunner.repository.appendingPathComponent(".cache/pgserver/pgserver/pginstall/bin/psql")
        let run = try ProgramRun.run(psql, ["-X", "-q", "-A", "-t", "-d", url, "-c", sql])
        guard run.status == 0 else { throw PSQLFailure(description: "psql: \(run.standardError)") }
        return run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls `condition` every half second until it gives a value or `seconds` pass (then nil).
    static func waitFor<T>(seconds: Double, _ condition: () throws -> T?) throws -> T? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = try condition() { return value }
            Thread.sleep(forTimeInterval: 0.5)
        }
        return nil
    }
}

struct PSQLFailure: Error, CustomStringConvertible {
    let description: String
}
