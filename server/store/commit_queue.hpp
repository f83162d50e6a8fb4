// Layer: store. Group commit in front of one event_log.
//
// One writer thread owns the event_log. Rooms submit batches of events from
// any thread; the writer takes everything queued, appends it in ONE
// transaction (one fsync for many events, from many rooms), and then calls
// each submitter's completion. Jobs given to run() (loading a room, saving a
// snapshot) run on the same thread, in submission order, so they see every
// commit submitted before them.
//
// Reads given to read() (chat history, replay pages) run on reader threads,
// each with a read-only log of its own on the same file: SQLite's WAL lets
// readers work beside the one writer, so a long read never holds a commit
// back and a burst of commits never holds a read back. The writer stays the
// only connection that writes. Without a way to open readers (a log in
// memory, a test), reads run on the writer like run().
//
// After each commit's completions, the writer gives a log that has upkeep
// (store/log_upkeep.hpp: SQLite's WAL checkpoint) its turn, so that work
// delays no ack.
//
// Between commits, the writer asks the log every file_check_interval whether
// its file is still in place (event_log::still_writable), so an idle server
// notices a deleted database too, not only the next write.
//
// Completions run on the writer thread: they must only post work elsewhere
// (to a room's strand), never block, never throw. Jobs run there too and must
// catch their own exceptions (a failed load is theirs to report); anything
// that escapes a completion or a job is dropped so the writer keeps serving
// every other room.
#pragma once

#include "store/event_log.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace maptable::store {

class log_upkeep;

class commit_queue {
public:
    using append_done = std::function<void(append_error)>;
    using job = std::function<void(event_log&)>;
    // Opens one more log on the same store for reading only; called once per
    // reader thread, in the constructor (so a failure is a start-up failure).
    using open_log = std::function<std::unique_ptr<event_log>()>;

    // max_batch_events bounds one transaction, so one huge burst cannot delay
    // the acks of everything behind it indefinitely. window: under load, how
    // long the writer lets appends gather before it starts a transaction,
    // counted from the oldest one waiting (0: never wait). A commit rewrites
    // every B-tree page it touches, and each room's events sit on their own
    // pages, so a transaction costs about the same for 1 event per room as
    // for 20: gathering makes fewer, larger ones (docs/PERFORMANCE.md). "Under
    // load" means the previous transaction ended less than a window ago; an
    // append to an idle writer is committed at once, so a quiet room never
    // waits. A window is cut short when max_batch_events are waiting.
    // open_reader, reader_threads: see read().
    explicit commit_queue(std::unique_ptr<event_log> log, std::size_t max_batch_events = 1024,
                          std::chrono::microseconds window = std::chrono::microseconds(0), open_log open_reader = {},
                          std::size_t reader_threads = 1);
    ~commit_queue(); // finishes everything queued, then joins the writer and the readers
    commit_queue(const commit_queue&) = delete;
    commit_queue& operator=(const commit_queue&) = delete;

    // Queues records for the next group commit; done(ok) when they are durable.
    // If the shared transaction fails, each submission is retried alone so that
    // one bad batch (a duplicate key, a room whose lease another node took:
    // fenced) does not fail the others. Submitting
    // while the queue is being destroyed calls done(io) at once.
    void append(std::vector<event_record> records, append_done done);

    // Runs fn on the writer thread with the log, after everything queued before it.
    // Dropped if submitted while the queue is being destroyed.
    void run(job fn);

    // Runs fn with a log for reading (chat history, replay pages, exports):
    // it sees every commit that completed before read was called (a reader
    // starts its read transaction after that, and WAL shows it every commit
    // finished by then). It may not see an append still queued. Reads must
    // not write: a reader's log is read-only and throws. Reads run in
    // submission order on one reader, in parallel on several; with no
    // open_reader they run on the writer, as run() does. Dropped if
    // submitted while the queue is being destroyed.
    void read(job fn);

    // Blocks until both queues are empty and the writer and the readers idle
    // (so at least everything queued so far has run). For shutdown and tests.
    // Never call it from a completion or a job: it would wait for itself.
    void drain();

    // Number of transactions committed so far (for tests and metrics).
    std::size_t commits() const;

private:
    struct item {
        std::vector<event_record> records; // empty for a job
        append_done done;
        job fn;
        std::chrono::steady_clock::time_point queued_at = std::chrono::steady_clock::now();
    };
    void writer_loop();
    void reader_loop(event_log& log);
    bool idle() const; // with mutex_ held

    // How often an idle writer checks that its file is still in place: often
    // enough that /healthz turns 503 within a couple of seconds of the
    // database being deleted, rarely enough to cost nothing (one stat).
    static constexpr std::chrono::seconds file_check_interval{1};

    std::unique_ptr<event_log> log_;
    log_upkeep* upkeep_ = nullptr; // log_'s, if it has any (store/log_upkeep.hpp)
    std::vector<std::unique_ptr<event_log>> reader_logs_;
    std::size_t max_batch_events_;
    std::chrono::microseconds window_;
    std::size_t queued_records_ = 0; // records of the appends in queue_
    bool gathering_ = false;         // the writer waits out a window: wake it only for a full batch
    std::chrono::steady_clock::time_point last_commit_end_; // writer thread only (after construction)
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<item> queue_;
    bool busy_ = false;
    bool stopping_ = false;
    bool file_in_place_ = true; // writer thread only: stops the periodic check once the file is lost
    std::size_t commits_ = 0;
    std::condition_variable read_wake_;
    std::deque<job> reads_;
    std::size_t reading_ = 0; // readers running a job
    std::thread writer_;
    std::vector<std::thread> readers_;
};

} // namespace maptable::store
