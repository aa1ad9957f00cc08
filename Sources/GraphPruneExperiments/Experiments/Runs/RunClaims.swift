import Foundation

/// Claims on runs, so that any number of `run` processes on any number of machines sharing a
/// results directory (shards or not, `--jobs` workers or not) split a study with no duplicate
/// work and no coordinator.
///
/// A run is claimed before it starts by creating `RESULTS/<hash>.claim` exclusively, the way
/// that is atomic on NFS too (open(2)): the claim is written to a file of its own and hard-linked
/// to the claim's name; `link` fails when the name exists, and a link whose reply was lost is
/// recognised by the link count of the own file. The claim holds the host, the process id and a
/// random nonce; its modification time is the heartbeat, renewed every `heartbeatInterval` while
/// the run executes. The claim is removed when the run's result is saved or the run fails.
///
/// A claim is **stale** when its process is gone — on this host: no running process (a zombie
/// counts as gone) has its pid; on
/// another host: the heartbeat is older than `staleAfter` (clocks must agree to better than that)
/// — and is then taken over: renamed to a name of the taker's own (one taker wins), checked to be
/// the claim that was judged stale, and removed. A fresh claim moved by mistake in a race is put
/// back; at worst two processes run one run, and both write the same result atomically.
public struct RunClaims: Sendable {
    public let directory: URL
    /// Heartbeat age after which another host's claim is stale.
    public var staleAfter: TimeInterval
    public static let heartbeatInterval: TimeInterval = 30

    public init(directory: URL, staleAfter: TimeInterval = 300) {
        (self.directory, self.staleAfter) = (directory, staleAfter)
    }

    /// Who holds a claim.
    public struct Holder: Codable, Equatable, Sendable, CustomStringConvertible {
        public var host: String
        public var pid: Int32
        public var nonce: String
        public var description: String { "\(host) pid \(pid)" }

        static func current() -> Holder {
            Holder(host: ProcessInfo.processInfo.hostName, pid: getpid(), nonce: UUID().uuidString)
        }
    }

    public func url(of hash: String) -> URL { directory.appendingPathComponent("\(hash).claim") }

    /// Claims run `hash`: the claim, now held by this process and kept alive by its heartbeat
    /// until `release()`, or the live holder of the existing claim.
    /// - Throws: `StudyRunError` when the directory refuses the claim file.
    public func claim(_ hash: String) throws -> Result<RunClaim, HeldClaim> {
        let holder = Holder.current()
        let target = url(of: hash)
        let own = directory.appendingPathComponent("\(hash).claim.\(holder.nonce)")
        let data = try JSONEncoder().encode(holder)
        guard FileManager.default.createFile(atPath: own.path, contents: data) else {
            throw StudyRunError("\(own.path): cannot write a claim file")
        }
        defer { unlink(own.path) }
        for _ in 0..<3 {
            if link(own.path, target.path) == 0 || linkCount(own) == 2 {
                return .success(RunClaim(url: target, holder: holder))
            }
            guard errno == EEXIST || FileManager.default.fileExists(atPath: target.path) else {
                throw StudyRunError("\(target.path): cannot create the claim (\(String(cString: strerror(errno))))")
            }
            guard let existing = read(target) else { continue }  // released in between: try again
            guard isStale(existing) else { return .failure(HeldClaim(holder: existing.holder)) }
            takeOver(target, judged: existing.holder, by: holder)
        }
        return .failure(HeldClaim(holder: read(target)?.holder))
    }

    /// The live holder of run `hash`'s claim, if any (for `--dry-run`).
    public func holder(of hash: String) -> Holder? {
        guard let existing = read(url(of: hash)), !isStale(existing) else { return nil }
        return existing.holder
    }

    /// A claim on disk: its holder and heartbeat.
    struct Existing { var holder: Holder; var heartbeat: Date }

    /// The claim at `url`, or nil when there is none. An unreadable claim counts as one of an
    /// unknown process on an unknown host (stale once its heartbeat is old).
    func read(_ url: URL) -> Existing? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let modified = attributes[.modificationDate] as? Date
        else { return nil }
        let data = FileManager.default.contents(atPath: url.path) ?? Data()
        let holder = (try? JSONDecoder().decode(Holder.self, from: data)) ?? Holder(host: "?", pid: 0, nonce: "?")
        return Existing(holder: holder, heartbeat: modified)
    }

    /// Whether the claim's process is gone (see the type's documentation).
    func isStale(_ claim: Existing) -> Bool {
        if claim.holder.host == ProcessInfo.processInfo.hostName && claim.holder.pid > 0 && !Self.isRunning(claim.holder.pid) {
            return true
        }
        return Date().timeIntervalSince(claim.heartbeat) > staleAfter
    }

    /// Whether process `pid` of this host is running: it exists and is not a zombie (a worker
    /// whose parent was killed is reparented, and stays a zombie where nothing reaps it).
    static func isRunning(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return false }
        // /proc/PID/stat: "pid (command) state …"; the command may hold spaces and parentheses.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// Moves the stale claim aside under the taker's name; removes it if it is the one judged
    /// stale, and puts it back otherwise (a fresh claim made in between).
    private func takeOver(_ target: URL, judged: Holder, by taker: Holder) {
        let aside = directory.appendingPathComponent("\(target.lastPathComponent).stale.\(taker.nonce)")
        guard rename(target.path, aside.path) == 0 else { return }
        if let moved = read(aside), moved.holder != judged { _ = link(aside.path, target.path) }
        unlink(aside.path)
    }

    private func linkCount(_ url: URL) -> Int {
        var status = stat()
        return stat(url.path, &status) == 0 ? Int(status.st_nlink) : 0
    }
}

/// A claim held elsewhere: the holder, when its claim could be read.
public struct HeldClaim: Error, Sendable {
    public let holder: RunClaims.Holder?
}

/// A claim this process holds. Its heartbeat (the claim file's modification time) is renewed
/// every `RunClaims.heartbeatInterval` until `release()`, which removes the claim if it is still
/// this process's.
public final class RunClaim: @unchecked Sendable {
    public let url: URL
    public let holder: RunClaims.Holder
    private let timer: DispatchSourceTimer

    init(url: URL, holder: RunClaims.Holder) {
        (self.url, self.holder) = (url, holder)
        timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        let path = url.path
        timer.schedule(deadline: .now() + RunClaims.heartbeatInterval, repeating: RunClaims.heartbeatInterval)
        timer.setEventHandler { _ = utimes(path, nil) }
        timer.resume()
    }

    /// Stops the heartbeat and removes the claim (only if it is still this process's).
    public func release() {
        timer.cancel()
        if let data = FileManager.default.contents(atPath: url.path),
           let current = try? JSONDecoder().decode(RunClaims.Holder.self, from: data), current == holder {
            unlink(url.path)
        }
    }

    deinit { timer.cancel() }
}
