#include "session/revocations.hpp"

#include <algorithm>

namespace maptable::session {

void revocation_list::load(const std::vector<entry>& stored, std::int64_t now, std::int64_t leeway_seconds)
{
    std::lock_guard lock(mutex_);
    for (const auto& [jti, expires_at] : stored)
        if (!jti.empty() && (expires_at == 0 || expires_at + leeway_seconds >= now))
            revoked_[jti] = expires_at;
}

bool revocation_list::is_revoked(const std::string& jti) const
{
    if (jti.empty())
        return false;
    std::lock_guard lock(mutex_);
    return revoked_.contains(jti);
}

std::vector<std::shared_ptr<participant>> revocation_list::revoke(const std::string& jti, std::int64_t expires_at)
{
    std::vector<std::shared_ptr<participant>> found;
    if (jti.empty())
        return found;
    std::lock_guard lock(mutex_);
    revoked_[jti] = expires_at;
    const auto [first, last] = live_.equal_range(jti);
    for (auto it = first; it != last; ++it)
        if (auto s = it->second.lock())
            found.push_back(std::move(s));
    live_.erase(first, last);
    return found;
}

bool revocation_list::register_participant(const std::string& jti, std::weak_ptr<participant> joined)
{
    if (jti.empty())
        return true;
    std::lock_guard lock(mutex_);
    if (revoked_.contains(jti))
        return false;
    live_.emplace(jti, std::move(joined));
    return true;
}

void revocation_list::unregister_participant(const std::string& jti, const participant* joined)
{
    if (jti.empty())
        return;
    std::lock_guard lock(mutex_);
    auto [it, last] = live_.equal_range(jti);
    while (it != last) {
        // Expired entries go too: they can never be closed. (A participant being
        // destroyed is expired already, so it is dropped either way.)
        auto s = it->second.lock();
        if (!s || s.get() == joined)
            it = live_.erase(it);
        else
            ++it;
    }
}

std::vector<revocation_list::entry> revocation_list::list() const
{
    std::vector<entry> out;
    {
        std::lock_guard lock(mutex_);
        out.assign(revoked_.begin(), revoked_.end());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t revocation_list::registered() const
{
    std::lock_guard lock(mutex_);
    return live_.size();
}

} // namespace maptable::session
