#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// A fixed pool of worker threads running tasks cooperatively.
///
/// A task is queued when something it waits for happens (data arrived,
/// space freed, a wakeup); a worker runs it for a bounded quantum, and the
/// task yields, parks or finishes. A task is never run by two workers at
/// once.
///
/// # Thread safety
/// `enqueue` may be called from any thread.
final class Scheduler: @unchecked Sendable {
    private var queue: [StepTask] = []
    private var queueHead = 0
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var stopping = false
    private var threads: [Thread] = []
    let workerCount: Int

    init(workerCount: Int) {
        self.workerCount = max(1, workerCount)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_mutex_destroy(&mutex)
        pthread_cond_destroy(&condition)
    }

    func start() {
        for index in 0..<workerCount {
            let thread = Thread { [unowned self] in self.workerLoop() }
            thread.name = "streamhost-worker-\(index)"
            thread.stackSize = 8 << 20
            threads.append(thread)
            thread.start()
        }
    }

    /// Stops the workers after the tasks they are running; waits for them
    /// unless `waiting` is false (a worker stuck in a plugin callback never
    /// finishes, see `JobExecution.run`).
    func stop(waiting: Bool = true) {
        pthread_mutex_lock(&mutex)
        stopping = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
        guard waiting else { return }
        while threads.contains(where: { !$0.isFinished }) { usleep(1000) }
    }

    func enqueue(_ task: StepTask) {
        pthread_mutex_lock(&mutex)
        queue.append(task)
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    private func next() -> StepTask? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while queueHead == queue.count && !stopping { pthread_cond_wait(&condition, &mutex) }
        if stopping { return nil }
        let task = queue[queueHead]
        queueHead += 1
        if queueHead > 1024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return task
    }

    private func workerLoop() {
        while let task = next() { task.runScheduled() }
    }
}
