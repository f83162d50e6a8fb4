// Layer: session. Revoked join token ids, and the live participants that
// joined with each token id, so that a revocation reaches connections already
// open.
//
// Thread-safe: called from every connection's strand and from the admin
// route. The mutex guards the two tables only; participants are told to close
// outside it (participant::revoke posts to the participant's strand).
// Owned by server_context through a shared_ptr that each participant copies,
// so a participant destroyed late (after a shutdown timeout) still finds it.
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

class participant;

class revocation_list {
public:
    using entry = std::pair<std::string, std::int64_t>; // (jti, expires_at; 0 = never)

    // Start-up: the revocations read from the store. Entries whose token has
    // expired (expires_at + leeway before now) are left out: such a token is
    // refused anyway.
    void load(const std::vector<entry>& stored, std::int64_t now, std::int64_t leeway_seconds);

    bool is_revoked(const std::string& jti) const;

    // Revokes jti from now on and returns the live participants registered under
    // it, for the caller to close (after persisting). Revoking again updates
    // expires_at and returns whoever registered since.
    std::vector<std::shared_ptr<participant>> revoke(const std::string& jti, std::int64_t expires_at);

    // A participant that joined with token id jti. Refused (false, nothing
    // registered) when jti is revoked: the check and the registration are one
    // step, so a revocation either sees the participant or the participant sees it.
    // Always true for an empty jti (nothing registered).
    bool register_participant(const std::string& jti, std::weak_ptr<participant> joined);

    // Forgets `joined` under jti (a no-op when it is not registered).
    void unregister_participant(const std::string& jti, const participant* joined);

    // Every revoked jti, sorted by jti.
    std::vector<entry> list() const;

    // Live participants registered (for tests and metrics).
    std::size_t registered() const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::int64_t> revoked_;
    std::unordered_multimap<std::string, std::weak_ptr<participant>> live_;
};

} // namespace maptable::session
