// Layer: store. Housekeeping a log does between group commits.
//
// Some of a log's upkeep is heavy and never urgent: SQLite's checkpoint
// copies the WAL back into the database and fsyncs it. Done inside a commit
// (SQLite's default), it delays that commit's acks; the commit queue calls
// between_commits() instead after a commit's completions have run, so no ack
// waits for it. A log with such upkeep implements this beside event_log; the
// queue finds it with a cross-cast, so the event_log interface stays as it
// is for every other log.
#pragma once

namespace maptable::store {

class log_upkeep {
public:
    virtual ~log_upkeep() = default;

    // Runs on the writer thread, after a commit's completions, before the
    // next transaction. Must not throw; cheap when there is nothing to do.
    virtual void between_commits() noexcept = 0;

protected:
    log_upkeep() = default;
    log_upkeep(const log_upkeep&) = default;
    log_upkeep& operator=(const log_upkeep&) = default;
};

} // namespace maptable::store
