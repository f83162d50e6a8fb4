// Layer: room (pure). The roster and the coalesced moves; see presence.hpp.
#include "room/presence.hpp"

#include <utility>

namespace maptable::room {
namespace {

bool sees_hidden_presence(pb::Role role)
{
    return role == pb::ROLE_FACILITATOR || role == pb::ROLE_ADMIN;
}

} // namespace

bool presence::join(const pb::Participant& participant)
{
    auto& slot = online_[participant.id()];
    const bool first = slot.connections++ == 0;
    // The newest connection's name and role: a token refreshed since counts.
    slot.participant = participant;
    return first;
}

bool presence::leave(const std::string& participant_id)
{
    auto it = online_.find(participant_id);
    if (it == online_.end() || --it->second.connections > 0)
        return false;
    online_.erase(it);
    moved_.erase(participant_id);
    return true;
}

std::optional<pb::Participant> presence::rename(const std::string& participant_id, const std::string& name,
                                                pb::Role role)
{
    auto it = online_.find(participant_id);
    if (it == online_.end())
        return std::nullopt;
    it->second.participant.set_name(name);
    it->second.participant.set_role(role);
    return it->second.participant;
}

move_outcome presence::move(const pb::ParticipantPresence& update)
{
    if (!online_.contains(update.participant_id()))
        return move_outcome::ignored;
    auto [slot, fresh] = moved_.try_emplace(update.participant_id());
    auto& latest = slot->second;
    latest.set_participant_id(update.participant_id());
    if (update.has_cursor())
        *latest.mutable_cursor() = update.cursor();
    if (update.has_viewport())
        *latest.mutable_viewport() = update.viewport();
    return fresh ? move_outcome::recorded : move_outcome::replaced;
}

presence_tick presence::tick(bool hide_cursors, const std::string& follow_leader_id)
{
    presence_tick out;
    if (moved_.empty())
        return out;
    auto changed = std::exchange(moved_, {});
    if (!hide_cursors) {
        pb::PresenceUpdate all;
        for (auto& [id, p] : changed)
            *all.add_presence() = std::move(p);
        out.to_everyone = std::move(all);
        return out;
    }
    // Cursors hidden: facilitators see everyone; the others see facilitators,
    // and the follow leader's viewport (their view follows it).
    pb::PresenceUpdate all, visible;
    for (auto& [id, p] : changed) {
        if (sees_hidden(id)) {
            *visible.add_presence() = p;
        } else if (!follow_leader_id.empty() && id == follow_leader_id && p.has_viewport()) {
            auto* leader = visible.add_presence();
            leader->set_participant_id(id);
            *leader->mutable_viewport() = p.viewport();
        }
        *all.add_presence() = std::move(p);
    }
    out.to_facilitators = std::move(all);
    if (visible.presence_size() > 0)
        out.to_others = std::move(visible);
    return out;
}

std::vector<pb::Participant> presence::roster() const
{
    std::vector<pb::Participant> out;
    out.reserve(online_.size());
    for (const auto& [id, e] : online_)
        out.push_back(e.participant);
    return out;
}

const pb::Participant* presence::find(const std::string& participant_id) const
{
    auto it = online_.find(participant_id);
    return it == online_.end() ? nullptr : &it->second.participant;
}

bool presence::sees_hidden(const std::string& participant_id) const
{
    const auto* p = find(participant_id);
    return p != nullptr && sees_hidden_presence(p->role());
}

std::vector<pb::Participant> presence::clear()
{
    auto out = roster();
    online_.clear();
    moved_.clear();
    return out;
}

} // namespace maptable::room
