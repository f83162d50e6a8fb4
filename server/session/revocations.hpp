// Layer: session. Revoked join token ids, and the live sessions that joined
// with each token id, so that a revocation reaches connections already open.
//
// Thread-safe: called from every connection's strand and from the admin
// route. The mutex guards the two tables only; sessions are told to close
// outside it (participant_session::revoke posts to the session's strand).
// Owned by server_context through a shared_ptr that each session copies, so
// a session destroyed late (after a shutdown timeout) still finds it.
//
// A token without a "jti" claim cannot be revoked on its own: its id is ""
// and the empty id is never revoked nor registered.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace maptable::session {

class participant_session;

class revocation_list {
public:
    using entry = std::pair<std::string, std::int64_t>; // (jti, expires_at; 0 = never)

    // Start-up: the revocations read from the store. Entries whose token has
    // expired (expires_at + leeway before now) are left out: such a token is
    // refused anyway.
    void load(const std::vector<entry>& stored, std::int64_t now, std::int64_t leeway_seconds);

    bool is_revoked(const std::string& jti) const;

    // Revokes jti from now on and returns the live sessions registered under
    // it, for the caller to close (after persisting). Revoking again updates
    // expires_at and returns whoever registered since.
    std::vector<std::shared_ptr<participant_session>> revoke(const std::string& jti, std::int64_t expires_at);

    // A session that joined with token id jti. Refused (false, nothing
    // registered) when jti is revoked: the check and the registration are one
    // step, so a revocation either sees the session or the session sees it.
    // Always true for an empty jti (nothing registered).
    bool register_session(const std::string& jti, std::weak_ptr<participant_session> session);

    // Forgets session under jti (a no-op when it is not registered).
    void unregister_session(const std::string& jti, const participant_session* session);

    // Every revoked jti, sorted by jti.
    std::vector<entry> list() const;

    // Live sessions registered (for tests and metrics).
    std::size_t registered() const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::int64_t> revoked_;
    std::unordered_multimap<std::string, std::weak_ptr<participant_session>> live_;
};

} // namespace maptable::session
