import Logging
import DurableFiles

/// Opening a partition's directory: which files are segments, recovery of
/// each (`Segment.recover`), and the checks between segments.
///
/// `readOnly` changes nothing on disk: no directory, segment or index is
/// created or rewritten, no torn tail cut, no leftover removed, nothing
/// fsynced. A partition that needs a write to be opened at all (a
/// compaction committed but not completed, or no segment yet) is refused
/// with `readOnly`, naming what to run.
extension PartitionLogCore {
    static func open(
        directory: String, config: TopicConfig, partition: TopicPartition, logger: Logger,
        clock: @escaping @Sendable () -> Int64, readOnly: Bool = false
    ) throws(LogError) -> PartitionLogCore {
        let writeToOpen = "open the data directory once with a command that writes (such as `streamhost produce "
            + "\(partition.topic) < /dev/null`)"
        if readOnly {
            guard ActiveFileSystem.current.isDirectory(directory) else {
                throw .readOnly(path: directory, operation: "open \(partition): the directory is missing")
            }
            if ActiveFileSystem.current.exists(directory + "/" + CompactionSwap.recordName) {
                throw .readOnly(
                    path: directory,
                    operation: "open \(partition) before completing the compaction committed there; \(writeToOpen)")
            }
        } else {
            do {
                try ActiveFileSystem.current.makeDirectories(directory)
            } catch {
                throw LogError(error, "\(partition) could not be opened")
            }
            // A compaction a crash cut short: completed if it committed, else
            // its files are removed. Before the listing, which must see the result.
            try CompactionSwap.recover(directory: directory, partition: partition, logger: logger)
        }
        let names: [String]
        do {
            names = try ActiveFileSystem.current.sortedNames(in: directory)
        } catch {
            throw LogError(error, "\(partition) could not be opened")
        }
        var logBases: [Int64] = []
        var indexFiles: [(base: Int64, name: String)] = []
        for name in names {
            guard let (base, suffix) = SegmentFileName.parse(name) else {
                if name.hasSuffix(".tmp") && !readOnly {
                    removeLeftover(directory + "/" + name, partition, logger, "a temporary file")
                }
                continue
            }
            switch suffix {
            case SegmentFileName.logSuffix: logBases.append(base)
            case SegmentFileName.offsetIndexSuffix, SegmentFileName.timeIndexSuffix: indexFiles.append((base, name))
            default:
                if !readOnly { removeLeftover(directory + "/" + name, partition, logger, "left by a deletion cut short") }
            }
        }
        let logBaseSet = Set(logBases)
        for (base, name) in indexFiles where !logBaseSet.contains(base) && !readOnly {
            removeLeftover(directory + "/" + name, partition, logger, "an index without its .log file")
        }
        logBases.sort()

        let now = clock()
        var segments: [Segment] = []
        do throws(LogError) {
            for (number, base) in logBases.enumerated() {
                // Checked before recovery touches the file.
                if let previous = segments.last, base < previous.nextOffset {
                    throw LogError.overlappingSegments(
                        partition, file: SegmentFileName.log(directory, base), baseOffset: base,
                        previousEnd: previous.nextOffset)
                }
                let isActive = number == logBases.count - 1
                segments.append(try Segment.recover(
                    directory: directory, baseOffset: base, partition: partition, config: config,
                    isActive: isActive, nextSegmentBase: isActive ? nil : logBases[number + 1],
                    nowMilliseconds: now, logger: logger, readOnly: readOnly))
            }
            if segments.isEmpty && readOnly {
                throw LogError.readOnly(
                    path: directory, operation: "open \(partition), which has no segment yet; \(writeToOpen)")
            } else if segments.isEmpty {
                do {
                    segments.append(try Segment.create(
                        directory: directory, baseOffset: 0, partition: partition,
                        indexIntervalBytes: config.indexIntervalBytes, nowMilliseconds: now, logger: logger))
                    if config.flushMode != .never { try ActiveFileSystem.current.syncDirectory(directory) }
                } catch {
                    throw LogError(error, "\(partition) could not be created")
                }
            } else if config.flushMode != .never && !readOnly {
                // What a crashed process wrote may still be only in the page
                // cache; what is reported as flushed must be on disk.
                do {
                    try segments[segments.count - 1].sync()
                } catch {
                    throw LogError(error, "\(partition) could not be opened")
                }
            }
        } catch {
            for segment in segments { segment.close() }
            throw error
        }
        let core = PartitionLogCore(
            partition: partition, directory: directory, config: config, segments: segments, logger: logger, clock: clock,
            readOnly: readOnly)
        core.cleanerCheckpoint = CleanerCheckpoint.read(directory: directory, partition: partition, logger: logger)
        core.hasTransactionalFlag = ActiveFileSystem.current.exists(directory + "/" + PartitionLogCore.transactionalFlagName)
        core.logStartOffsetFloor = min(
            LogStartOffsetFile.read(directory: directory, partition: partition, logger: logger), core.endOffset)
        core.rebuildTransactions()
        core.rebuildProducers()
        logger.debug(.init(stringLiteral:
            "\(partition): opened \(directory): \(segments.count) segments, offsets \(core.startOffset) to "
                + "\(core.endOffset - 1), \(core.sizeInBytes) bytes"))
        return core
    }

    private static func removeLeftover(_ path: String, _ partition: TopicPartition, _ logger: Logger, _ what: String) {
        do {
            try ActiveFileSystem.current.removeFile(path)
            logger.info("\(partition): removed \(path), \(what)")
        } catch {
            logger.warning("\(partition): could not remove \(path), \(what): \(FileSystemError.text(error.code))")
        }
    }
}
