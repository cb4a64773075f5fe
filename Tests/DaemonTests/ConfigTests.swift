import Foundation
import Glibc
import Testing
@testable import Daemon
import Devices

@Suite struct ConfigTests {
    /// The shipped config file documents every key with its default, commented out.
    @Test func shippedFileDocumentsEveryDefault() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../config/ganet-seg.toml").standardized
        let text = try String(contentsOf: url, encoding: .utf8)
        // A commented-out setting is "# key = value"; prose lines stay comments.
        let uncommented = text.split(separator: "\n").map { line -> String in
            line.wholeMatch(of: /# [a-z_]+ = .*/) != nil ? String(line.dropFirst(2)) : String(line)
        }.joined(separator: "\n")
        let (config, problems) = DaemonConfig.parse(uncommented)
        #expect(problems.isEmpty, "\(problems)")
        #expect(config == DaemonConfig())
        let documented = Set(FlatTOML.parse(uncommented).entries.map(\.key))
        #expect(documented == Set(ConfigKey.all.map(\.name)))
    }

    @Test func readsValuesOverTheDefaults() {
        let (config, problems) = DaemonConfig.parse("""
            inbox = "/srv/in/"   # trailing slash dropped
            settle_seconds = 2
            input_retention = 'delete'
            max_voxels = 1_000_000
            concurrency = 2
            log_level = "debug"
            """)
        #expect(problems.isEmpty)
        #expect(config.inbox == "/srv/in" && config.settleSeconds == 2 && config.inputRetention == .delete)
        #expect(config.maxVoxels == 1_000_000 && config.concurrency == 2 && config.logLevel == .debug)
    }

    /// The daemon spells devices as the CLI's `--device` does, `vulkan:N` included.
    @Test func deviceTakesEveryCLISpelling() {
        for (text, selection) in [("cpu", DeviceSelection.cpu), ("gpu", .gpu), ("vulkan", .vulkan(index: nil)), ("vulkan:1", .vulkan(index: 1))] {
            let (config, problems) = DaemonConfig.parse("device = \"\(text)\"")
            #expect(problems.isEmpty && config.device == selection)
        }
    }

    @Test func environmentOverridesDirectories() {
        let (config, problems) = DaemonConfig.parse("inbox = \"/a\"", environment: ["GANET_SEG_INBOX": "/b", "GANET_SEG_OUTBOX": "rel"])
        #expect(config.inbox == "/b")
        #expect(problems == [ConfigProblem("GANET_SEG_OUTBOX: must be an absolute path, got \"rel\"")])
    }

    @Test func reportsEachProblemWithItsLine() {
        let (_, problems) = DaemonConfig.parse("""
            inbx = "/in"
            device = "tpu"
            concurrency = 0
            settle_seconds = "soon"
            [paths]
            marker = "a/b"
            settle_seconds = 3
            model = /x
            """)
        #expect(problems.map(\.description) == [
            "line 5: tables are not supported: every key sits at the top level",
            "line 7: key 'settle_seconds' is set twice (first on line 4)",
            "line 8: cannot read value '/x' (strings need quotes)",
            "line 1: unknown key 'inbx' (did you mean 'inbox'?)",
            "line 2: device: expected one of \"auto\", \"cpu\", \"gpu\", \"vulkan\", \"vulkan:N\", found \"tpu\"",
            "line 3: concurrency: must be 1...64, got 0",
            "line 4: settle_seconds: expected a number of seconds, found a string",
            "line 6: marker: must be a plain file name, got \"a/b\"",
        ])
    }

    /// The GAN module's keys: "" (none) or an absolute path, a threshold in 0...1; check-config
    /// looks for the GAN file like the model's.
    @Test func ganKeys() {
        let (config, problems) = DaemonConfig.parse("gan = \"/models/gan.safetensors\"\nanomaly_threshold = 0.3\n")
        #expect(problems.isEmpty && config.gan == "/models/gan.safetensors" && config.anomalyThreshold == 0.3)
        #expect(DaemonConfig.parse("gan = \"\"").1.isEmpty && DaemonConfig().gan.isEmpty)
        #expect(DaemonConfig().anomalyMethod == .discriminator)
        #expect(DaemonConfig.parse("anomaly_map = \"residual\"").0.anomalyMethod == .residual)
        #expect(DaemonConfig.parse("anomaly_map = \"holes\"").1.map(\.description) == [
            "line 1: anomaly_map: expected one of \"discriminator\", \"discriminator-in-holes\", \"residual\", found \"holes\"",
        ])
        #expect(DaemonConfig.parse("gan = \"gan.safetensors\"\nanomaly_threshold = 2\n").1.map(\.description) == [
            "line 1: gan: must be an absolute path or \"\", got \"gan.safetensors\"",
            "line 2: anomaly_threshold: must be in 0...1, got 2.0",
        ])
        var missing = DaemonConfig()
        missing.model = "/"
        missing.gan = "/nonexistent/gan.safetensors"
        #expect(missing.modelProblems().map(\.description) == [
            "model: / is not a regular file", "gan: /nonexistent/gan.safetensors: No such file or directory",
        ])
    }

    @Test func duplicateKeyIsAnError() {
        let (_, problems) = DaemonConfig.parse("concurrency = 1\nconcurrency = 2\n")
        #expect(problems == [ConfigProblem(line: 2, "key 'concurrency' is set twice (first on line 1)")])
    }

    @Test func checkFindsMissingAndUnwritableDirectoriesAndTheModel() throws {
        let fixture = try SpoolFixture("config")
        try FileManager.default.removeItem(atPath: fixture.config.failed)
        #expect(chmod(fixture.config.archive, 0o555) == 0)
        let file = fixture.root + "/ganet-seg.toml"
        try """
            inbox = "\(fixture.config.inbox)"
            work = "\(fixture.config.work)"
            outbox = "\(fixture.config.outbox)"
            failed = "\(fixture.config.failed)"
            archive = "\(fixture.config.archive)"
            model = "\(fixture.root)/model.safetensors"
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let problems = DaemonConfig.check(path: file, environment: [:]).map(\.description)
        #expect(problems.contains("failed: \(fixture.config.failed): No such file or directory"))
        #expect(problems.contains("model: \(fixture.root)/model.safetensors: No such file or directory"))
        // root ignores permission bits, so only an unprivileged run sees the archive as read-only.
        if geteuid() != 0 { #expect(problems.contains { $0.hasPrefix("archive: \(fixture.config.archive) is not writable") }) }
        #expect(DaemonConfig.check(path: fixture.root + "/none.toml", environment: [:])
                == [ConfigProblem("\(fixture.root)/none.toml: No such file or directory")])
    }

    /// A config path that is a link to a FIFO is refused at once (opening it would wait for a writer).
    @Test func aConfigThatIsALinkToAFIFOIsRefusedWithoutBlocking() throws {
        let fixture = try SpoolFixture("config")
        let fifo = fixture.root + "/fifo", link = fixture.root + "/ganet-seg.toml"
        #expect(mkfifo(fifo, 0o600) == 0 && symlink(fifo, link) == 0)
        #expect(DaemonConfig.check(path: link, environment: [:]) == [ConfigProblem("\(link): not a regular file")])
        #expect(throws: ConfigError(problems: [ConfigProblem("\(link): not a regular file")])) {
            try DaemonConfig.load(path: link, environment: [:])
        }
    }

    /// check-config loads the model: a readable file that is not a U-Net's weights is a problem.
    @Test func checkLoadsTheModel() throws {
        let fixture = try SpoolFixture("config")
        let notWeights = fixture.root + "/passwd"
        try "root:x:0:0:root:/root:/bin/bash\n".write(toFile: notWeights, atomically: true, encoding: .utf8)
        var config = fixture.config
        config.model = notWeights
        #expect(config.modelProblems().isEmpty)
        let problems = config.modelProblems(loading: true).map(\.description)
        #expect(problems.count == 1 && problems.first?.hasPrefix("model: \(notWeights): not a valid safetensors file") == true)
    }

    @Test func checkFindsDirectoriesOnDifferentFilesystems() throws {
        var fixture = try SpoolFixture("config")
        var tmp = stat(), shm = stat()
        guard stat("/dev/shm", &shm) == 0, stat(fixture.root, &tmp) == 0, shm.st_dev != tmp.st_dev else { return }
        let elsewhere = "/dev/shm/ganet-seg-failed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        fixture.config.failed = elsewhere
        let problems = fixture.config.directoryProblems().map(\.description)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("work (\(fixture.config.work)) and failed (\(elsewhere)) are on different filesystems") == true)
    }

    /// A bind mount shares the device number of its filesystem yet refuses renames across it; only
    /// a probe rename finds that. Needs the right to mount (root outside a locked-down container).
    @Test func checkFindsABindMountBetweenInboxAndWork() throws {
        var fixture = try SpoolFixture("config")
        let mounted = fixture.root + "/work-mount"
        try FileManager.default.createDirectory(atPath: mounted, withIntermediateDirectories: false)
        guard mount(fixture.config.work, mounted, nil, UInt(MS_BIND), nil) == 0 else { return }
        defer { umount(mounted) }
        fixture.config.work = mounted
        #expect(fixture.config.directoryProblems() == [ConfigProblem(
            "a folder cannot be renamed from inbox (\(fixture.config.inbox)) to work (\(mounted)): Invalid cross-device link: "
            + "they are separate mounts (bind mounts?) of one filesystem; mount their common parent once")])
        #expect(fixture.list("inbox").isEmpty && fixture.list("work").isEmpty)
    }

    @Test func sameDirectoryTwiceIsAProblem() throws {
        var fixture = try SpoolFixture("config")
        fixture.config.archive = fixture.config.outbox
        #expect(fixture.config.directoryProblems() == [ConfigProblem("outbox and archive are the same directory (\(fixture.config.outbox))")])
    }

    @Test func daemonRefusesToStartWithBadDirectories() throws {
        var fixture = try SpoolFixture("config")
        fixture.config.work = fixture.root + "/missing"
        let daemon = InboxDaemon(config: fixture.config, processor: StubProcessor(), software: "test",
                                 logger: .init(label: "test"), notifier: ServiceNotifier(socketPath: nil))
        #expect(throws: ConfigError.self) { try daemon.run() }
    }
}
