import Logging
import ServiceLifecycle

/// Signs the chain head every `everyEvents` entries or every `interval`, whichever comes first, and publishes
/// each checkpoint as an `audit.checkpoint` journal event, so every sink carries it off the box.
///
/// A checkpoint is also signed when the gateway stops, covering its `gateway.stop` event. Creates the
/// signing key on first start. A failure to sign never stops reads: it is logged, and retried next time.
public actor Checkpointer: Service {
    let journal: SQLiteJournal
    let signer: CheckpointSigner
    let clock: any WallClock
    let everyEvents: Int64
    let interval: Duration
    let logger: Logger
    /// Entries covered by the newest checkpoint in the journal.
    private var coveredSize: Int64 = 0
    /// Sequence of the newest checkpoint's own event (nothing new when the head is still there).
    private var publishedAt: Int64 = 0

    public init(journal: SQLiteJournal, signer: CheckpointSigner, clock: any WallClock, configuration: CheckpointConfiguration, logger: Logger) {
        self.journal = journal
        self.signer = signer
        self.clock = clock
        self.everyEvents = Int64(configuration.everyEvents)
        self.interval = configuration.interval
        self.logger = logger
    }

    /// Creates the signing key when there is none, and learns where the newest checkpoint stands.
    public func prepare() async throws {
        let (key, created) = try signer.keyring.loadOrCreate(now: clock.now())
        if created {
            logger.notice(
                "Created the checkpoint signing key. Give its public key to your auditors: `readaudit keys public`.",
                metadata: ["key.id": "\(key.keyID)", "keys.directory": "\(signer.keyring.directory)"])
        }
        if let newest = try await journal.store.checkpointEvents().last(where: { candidate in candidate.checkpoint?.node == signer.node }) {
            coveredSize = newest.checkpoint?.size ?? 0
            publishedAt = newest.entry.sequence
        }
    }

    public func run() async throws {
        do {
            try await prepare()
        } catch {
            logger.error(
                "Checkpoints cannot be signed: the signing key is unusable. Events are still journaled, but truncation of the newest ones would go undetected; fix the key directory's permissions or contents.",
                metadata: ["keys.directory": "\(signer.keyring.directory)", "error": "\(error)"])
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.waitForWork()
                if Task.isCancelled { break }
                await self.checkpointLogged()
            }
        }
        // Stopping gracefully: cover everything written so far, the gateway's stop event included.
        if !Task.isCancelled { await checkpointLogged() }
    }

    /// Returns when `everyEvents` entries arrived since the newest checkpoint, or `interval` passed.
    private func waitForWork() async {
        let target = coveredSize + everyEvents
        let journal = journal
        let interval = interval
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await journal.waitForEntries(after: target - 1) }
            group.addTask { try? await Task.sleep(for: interval) }
            await group.next()
            group.cancelAll()
        }
    }

    private func checkpointLogged() async {
        do {
            try await checkpointNow()
        } catch {
            logger.error(
                "Could not sign a checkpoint; will retry. The chain is intact, but its newest entries are not yet signed.",
                metadata: ["error": "\(error)"])
        }
    }

    /// Signs and publishes a checkpoint of the current head, unless nothing but the previous checkpoint's own
    /// event was written since. Returns the checkpoint, or nil when there was nothing new to sign.
    @discardableResult
    public func checkpointNow() async throws -> Checkpoint? {
        let head = try await journal.store.headSequence()
        guard head > 0, head != publishedAt, head != coveredSize else { return nil }
        let now = clock.now()
        let checkpoint = try await signer.checkpoint(size: head, of: journal.store, at: now)
        let entry = try await journal.append(checkpoint.event(id: .make(at: now), time: now))
        coveredSize = head
        publishedAt = entry.sequence
        logger.debug("Checkpoint signed", metadata: ["checkpoint.size": "\(head)", "key.id": "\(checkpoint.keyID)", "event.seq": "\(entry.sequence)"])
        return checkpoint
    }
}
