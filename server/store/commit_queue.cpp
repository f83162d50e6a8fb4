// Layer: store. Group commit: one writer thread, one transaction per batch.
//
// The writer takes the longest run of append submissions at the head of the
// queue that fits in max_batch_events (at least one, however large), moves
// their records into one vector and appends it in one transaction. A job at
// the head runs alone, so it sees every append queued before it and none
// queued after it. Completions and jobs run with the mutex released, so they
// may submit more work.
#include "store/commit_queue.hpp"

#include "store/log_upkeep.hpp"

#include <pthread.h>

#include "metrics/metrics.hpp"

#include <chrono>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace maptable::store {

namespace {

// Completions and jobs must not throw (see the header); if one does anyway,
// the writer thread must survive it, or every room's acks stop. The exception
// is dropped: there is no caller on this thread to hand it to.
template <class F>
void call_guarded(F&& f) noexcept
{
    try {
        std::forward<F>(f)();
    } catch (...) {
    }
}

append_error append_guarded(event_log& log, std::span<const event_record> records) noexcept
{
    try {
        return log.append(records);
    } catch (...) {
        return append_error::io; // nothing the log promised to have written
    }
}

} // namespace

commit_queue::commit_queue(std::unique_ptr<event_log> log, std::size_t max_batch_events,
                           std::chrono::microseconds window, open_log open_reader, std::size_t reader_threads)
    : log_(std::move(log))
    , max_batch_events_(max_batch_events == 0 ? 1 : max_batch_events)
    , window_(window < std::chrono::microseconds(0) ? std::chrono::microseconds(0) : window)
    , last_commit_end_(std::chrono::steady_clock::now() - window_)
{ // idle from the start
    if (!log_)
        throw std::invalid_argument("commit_queue: no event log");
    upkeep_ = dynamic_cast<log_upkeep*>(log_.get());
    if (open_reader) {
        for (std::size_t i = 0; i < std::max<std::size_t>(reader_threads, 1); ++i) {
            auto reader = open_reader();
            if (!reader)
                throw std::invalid_argument("commit_queue: no reader log");
            reader_logs_.push_back(std::move(reader));
        }
    }
    // Started last: every member the writer touches is initialised by now.
    writer_ = std::thread([this] {
        // Named for top -H, perf and /proc/<pid>/task (at most 15 characters).
        pthread_setname_np(pthread_self(), "store-writer");
        writer_loop();
    });
    for (auto& reader : reader_logs_) {
        readers_.emplace_back([this, &log = *reader] {
            pthread_setname_np(pthread_self(), "store-reader");
            reader_loop(log);
        });
    }
}

commit_queue::~commit_queue()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    read_wake_.notify_all();
    writer_.join(); // the writer empties the queue before it returns
    for (auto& reader : readers_)
        reader.join(); // so do the readers
}

void commit_queue::append(std::vector<event_record> records, append_done done)
{
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queued_records_ += records.size();
            queue_.push_back(item{std::move(records), std::move(done), {}});
            // While the writer gathers a batch, waking it for each append
            // would cost a context switch per append: only a full batch does.
            if (!gathering_ || queued_records_ >= max_batch_events_)
                wake_.notify_one();
            return;
        }
    }
    // Submitted during destruction (a caller's lifetime bug): the writer may
    // already have gone, so the records will never be written. Say so.
    if (done)
        call_guarded([&] { done(append_error::io); });
}

void commit_queue::run(job fn)
{
    if (!fn)
        return;
    std::lock_guard lock(mutex_);
    if (stopping_)
        return; // as above; there is no log left to run it on
    queue_.push_back(item{{}, {}, std::move(fn)});
    wake_.notify_one();
}

void commit_queue::read(job fn)
{
    if (readers_.empty())
        return run(std::move(fn));
    if (!fn)
        return;
    std::lock_guard lock(mutex_);
    if (stopping_)
        return;
    reads_.push_back(std::move(fn));
    read_wake_.notify_one();
}

bool commit_queue::idle() const
{
    return queue_.empty() && !busy_ && reads_.empty() && reading_ == 0;
}

void commit_queue::drain()
{
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return idle(); });
}

void commit_queue::reader_loop(event_log& log)
{
    std::unique_lock lock(mutex_);
    for (;;) {
        read_wake_.wait(lock, [this] { return stopping_ || !reads_.empty(); });
        if (reads_.empty())
            return; // stopping, and nothing left to read
        job fn = std::move(reads_.front());
        reads_.pop_front();
        ++reading_;
        lock.unlock();
        call_guarded([&] { fn(log); });
        fn = nullptr; // release what the job captured before reporting idle
        lock.lock();
        --reading_;
        if (idle())
            idle_.notify_all();
    }
}

std::size_t commit_queue::commits() const
{
    std::lock_guard lock(mutex_);
    return commits_;
}

void commit_queue::writer_loop()
{
    std::unique_lock lock(mutex_);
    for (;;) {
        while (!stopping_ && queue_.empty()) {
            const bool woken =
                wake_.wait_for(lock, file_check_interval, [this] { return stopping_ || !queue_.empty(); });
            if (!woken && file_in_place_) {
                lock.unlock();
                call_guarded([&] { file_in_place_ = log_->still_writable(); });
                lock.lock();
            }
        }
        if (queue_.empty())
            return; // stopping, and nothing left to do

        busy_ = true;
        if (queue_.front().fn) {
            job fn = std::move(queue_.front().fn);
            queue_.pop_front();
            lock.unlock();
            call_guarded([&] { fn(*log_); });
            fn = nullptr; // release what the job captured before reporting idle
            lock.lock();
        } else {
            const bool under_load = std::chrono::steady_clock::now() - last_commit_end_ < window_;
            if (under_load && queued_records_ < max_batch_events_ && !stopping_) {
                gathering_ = true;
                wake_.wait_until(lock, queue_.front().queued_at + window_,
                                 [this] { return stopping_ || queued_records_ >= max_batch_events_; });
                gathering_ = false;
            }
            // Take a run of consecutive appends that fits in one transaction.
            std::vector<event_record> records;
            std::vector<std::pair<std::size_t, std::size_t>> spans; // (offset, count) per submission
            std::vector<append_done> dones;
            while (!queue_.empty() && !queue_.front().fn) {
                const std::size_t n = queue_.front().records.size();
                if (!dones.empty() && records.size() + n > max_batch_events_)
                    break;
                item next = std::move(queue_.front());
                queue_.pop_front();
                queued_records_ -= n;
                spans.emplace_back(records.size(), n);
                records.insert(records.end(), std::make_move_iterator(next.records.begin()),
                               std::make_move_iterator(next.records.end()));
                dones.push_back(std::move(next.done));
            }
            lock.unlock();

            std::vector<append_error> results(dones.size(), append_error::ok);
            std::size_t committed = 0;
            if (!records.empty()) {
                const auto started = std::chrono::steady_clock::now();
                const append_error shared = append_guarded(*log_, records);
                metrics::global().commit_seconds.observe(
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
                metrics::global().commit_batch_events.observe(static_cast<double>(records.size()));
                if (shared == append_error::ok) {
                    committed = 1;
                } else if (dones.size() == 1) {
                    results[0] = shared;
                } else {
                    // One submission's duplicate key, or one room's lease lost
                    // to another node (fenced), must not fail the others: the
                    // shared transaction wrote nothing, so try each alone, in
                    // submission order.
                    const std::span<const event_record> all(records);
                    for (std::size_t i = 0; i < spans.size(); ++i) {
                        if (spans[i].second == 0)
                            continue; // nothing to write: ok
                        results[i] = append_guarded(*log_, all.subspan(spans[i].first, spans[i].second));
                        if (results[i] == append_error::ok)
                            ++committed;
                    }
                }
                last_commit_end_ = std::chrono::steady_clock::now();
            }

            // Count before acking, so a completion that reads commits() sees
            // its own transaction.
            lock.lock();
            commits_ += committed;
            lock.unlock();
            for (std::size_t i = 0; i < dones.size(); ++i) {
                if (dones[i])
                    call_guarded([&] { dones[i](results[i]); });
            }
            dones.clear(); // release captured state before reporting idle
            if (upkeep_ != nullptr && !records.empty())
                upkeep_->between_commits(); // after the acks: none of them waits for it
            lock.lock();
        }
        busy_ = false;
        if (idle())
            idle_.notify_all();
    }
}

} // namespace maptable::store
