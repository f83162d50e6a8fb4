// Short builders of the client commands the golden scenarios send, so that a
// scenario reads as a script of what people do.
#pragma once

#include "maptable/v1/envelope.pb.h"
#include "model/room_state.hpp"

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace maptable::golden::cmd {

namespace pb = maptable::v1;

inline model::actor facilitator(std::string id, std::string name, std::string ballot = {})
{
    return {std::move(id), std::move(name), pb::ROLE_FACILITATOR, std::move(ballot)};
}
inline model::actor participant(std::string id, std::string name, std::string ballot = {})
{
    return {std::move(id), std::move(name), pb::ROLE_PARTICIPANT, std::move(ballot)};
}
inline model::actor observer(std::string id, std::string name)
{
    return {std::move(id), std::move(name), pb::ROLE_OBSERVER, {}};
}
inline model::actor admin()
{
    return {"admin", "admin API", pb::ROLE_ADMIN, {}};
}

inline pb::LonLat at(double lon, double lat)
{
    pb::LonLat p;
    p.set_lon(lon);
    p.set_lat(lat);
    return p;
}

inline pb::Geometry geometry(pb::FeatureKind kind, std::initializer_list<std::pair<double, double>> positions)
{
    pb::Geometry g;
    g.set_kind(kind);
    for (auto [lon, lat] : positions)
        *g.add_positions() = at(lon, lat);
    return g;
}

inline pb::ClientMessage add_feature(const std::string& id, pb::Geometry g, const std::string& title,
                                     const std::string& category = {}, const std::string& colour = {},
                                     const std::string& description = {})
{
    pb::ClientMessage m;
    auto* f = m.mutable_add_feature()->mutable_feature();
    f->set_id(id);
    *f->mutable_geometry() = std::move(g);
    f->set_title(title);
    f->set_category(category);
    f->set_colour(colour);
    f->set_description(description);
    return m;
}

inline pb::ClientMessage update_feature(const std::string& id, pb::FeaturePatch patch)
{
    pb::ClientMessage m;
    m.mutable_update_feature()->set_id(id);
    *m.mutable_update_feature()->mutable_patch() = std::move(patch);
    return m;
}

inline pb::ClientMessage delete_feature(const std::string& id, const std::string& reason = {})
{
    pb::ClientMessage m;
    m.mutable_delete_feature()->set_id(id);
    m.mutable_delete_feature()->set_reason(reason);
    return m;
}

inline pb::ClientMessage chat(const std::string& text, std::uint64_t reply_to = 0, const std::string& feature_id = {},
                              std::vector<std::string> mentions = {})
{
    pb::ClientMessage m;
    auto* c = m.mutable_send_chat();
    c->set_text(text);
    c->set_reply_to(reply_to);
    c->set_feature_id(feature_id);
    for (auto& id : mentions)
        c->add_mentions(id);
    return m;
}

inline pb::ClientMessage react(std::uint64_t seq, const std::string& emoji, bool remove = false)
{
    pb::ClientMessage m;
    m.mutable_react_to_chat()->set_message_seq(seq);
    m.mutable_react_to_chat()->set_emoji(emoji);
    m.mutable_react_to_chat()->set_remove(remove);
    return m;
}

inline pb::ClientMessage edit_chat(std::uint64_t seq, const std::string& text)
{
    pb::ClientMessage m;
    m.mutable_edit_chat()->set_message_seq(seq);
    m.mutable_edit_chat()->set_text(text);
    return m;
}

inline pb::ClientMessage delete_chat(std::uint64_t seq, const std::string& reason = {})
{
    pb::ClientMessage m;
    m.mutable_delete_chat()->set_message_seq(seq);
    m.mutable_delete_chat()->set_reason(reason);
    return m;
}

inline pb::ClientMessage room_info(pb::RoomInfoChanged change)
{
    pb::ClientMessage m;
    *m.mutable_update_room_info()->mutable_change() = std::move(change);
    return m;
}

inline pb::ClientMessage settings(pb::RoomSettingsChange change)
{
    pb::ClientMessage m;
    *m.mutable_update_settings()->mutable_change() = std::move(change);
    return m;
}

inline pb::ClientMessage mute(const std::string& id, bool muted, const std::string& reason = {})
{
    pb::ClientMessage m;
    m.mutable_mute_participant()->set_participant_id(id);
    m.mutable_mute_participant()->set_muted(muted);
    m.mutable_mute_participant()->set_reason(reason);
    return m;
}

inline pb::ClientMessage remove(const std::string& id, const std::string& reason = {})
{
    pb::ClientMessage m;
    m.mutable_remove_participant()->set_participant_id(id);
    m.mutable_remove_participant()->set_reason(reason);
    return m;
}

inline pb::ClientMessage archive(bool archived)
{
    pb::ClientMessage m;
    m.mutable_archive_room()->set_archived(archived);
    return m;
}

inline pb::ClientMessage thread_on_feature(const std::string& id, const std::string& feature_id,
                                           const std::string& text)
{
    pb::ClientMessage m;
    m.mutable_start_thread()->set_thread_id(id);
    m.mutable_start_thread()->set_feature_id(feature_id);
    m.mutable_start_thread()->set_text(text);
    return m;
}

inline pb::ClientMessage thread_at(const std::string& id, pb::LonLat position, const std::string& text)
{
    pb::ClientMessage m;
    m.mutable_start_thread()->set_thread_id(id);
    *m.mutable_start_thread()->mutable_position() = std::move(position);
    m.mutable_start_thread()->set_text(text);
    return m;
}

inline pb::ClientMessage comment(const std::string& thread_id, const std::string& text)
{
    pb::ClientMessage m;
    m.mutable_add_comment()->set_thread_id(thread_id);
    m.mutable_add_comment()->set_text(text);
    return m;
}

inline pb::ClientMessage edit_comment(const std::string& thread_id, std::uint64_t seq, const std::string& text)
{
    pb::ClientMessage m;
    m.mutable_edit_comment()->set_thread_id(thread_id);
    m.mutable_edit_comment()->set_comment_seq(seq);
    m.mutable_edit_comment()->set_text(text);
    return m;
}

inline pb::ClientMessage delete_comment(const std::string& thread_id, std::uint64_t seq, const std::string& reason = {})
{
    pb::ClientMessage m;
    m.mutable_delete_comment()->set_thread_id(thread_id);
    m.mutable_delete_comment()->set_comment_seq(seq);
    m.mutable_delete_comment()->set_reason(reason);
    return m;
}

inline pb::ClientMessage resolve(const std::string& thread_id, bool resolved)
{
    pb::ClientMessage m;
    m.mutable_resolve_thread()->set_thread_id(thread_id);
    m.mutable_resolve_thread()->set_resolved(resolved);
    return m;
}

inline pb::ClientMessage agenda(std::vector<pb::AgendaStep> steps)
{
    pb::ClientMessage m;
    m.mutable_set_agenda(); // an empty agenda is a command too
    for (auto& s : steps)
        *m.mutable_set_agenda()->add_steps() = std::move(s);
    return m;
}

inline pb::ClientMessage open_step(const std::string& id)
{
    pb::ClientMessage m;
    m.mutable_open_agenda_step()->set_step_id(id);
    return m;
}

inline pb::ClientMessage timer(pb::ControlTimer::Action action, std::int64_t duration_ms = 0)
{
    pb::ClientMessage m;
    m.mutable_control_timer()->set_action(action);
    m.mutable_control_timer()->set_duration_ms(duration_ms);
    return m;
}

inline pb::Viewport viewport(double west, double south, double east, double north, double zoom)
{
    pb::Viewport v;
    *v.mutable_south_west() = at(west, south);
    *v.mutable_north_east() = at(east, north);
    v.set_zoom(zoom);
    return v;
}

inline pb::ClientMessage share_view(pb::Viewport v)
{
    pb::ClientMessage m;
    *m.mutable_share_view()->mutable_viewport() = std::move(v);
    return m;
}

inline pb::ClientMessage follow(bool on)
{
    pb::ClientMessage m;
    m.mutable_set_follow()->set_on(on);
    return m;
}

inline pb::ClientMessage spotlight(const std::string& feature_id)
{
    pb::ClientMessage m;
    m.mutable_spotlight()->set_feature_id(feature_id);
    return m;
}

inline pb::ClientMessage raise_hand(bool raised)
{
    pb::ClientMessage m;
    m.mutable_raise_hand()->set_raised(raised);
    return m;
}

inline pb::ClientMessage call_next_hand()
{
    pb::ClientMessage m;
    m.mutable_call_next_hand();
    return m;
}

inline pb::ClientMessage clear_hands()
{
    pb::ClientMessage m;
    m.mutable_clear_hands();
    return m;
}

struct round_options {
    std::string category;
    bool anonymous = false;
    bool results_hidden = false;
    std::uint32_t max_per_feature = 0;
    std::int64_t end_time_ms = 0;
};

inline pb::ClientMessage open_vote(const std::string& id, const std::string& title, std::uint32_t dots,
                                   const round_options& o = {})
{
    pb::ClientMessage m;
    auto* r = m.mutable_open_vote()->mutable_round();
    r->set_id(id);
    r->set_title(title);
    r->set_dots_per_person(dots);
    r->set_category(o.category);
    r->set_anonymous(o.anonymous);
    r->set_results_hidden(o.results_hidden);
    r->set_max_dots_per_feature(o.max_per_feature);
    r->set_end_time_ms(o.end_time_ms);
    return m;
}

inline pb::ClientMessage place_dot(const std::string& vote_id, const std::string& feature_id)
{
    pb::ClientMessage m;
    m.mutable_place_dot()->set_vote_id(vote_id);
    m.mutable_place_dot()->set_feature_id(feature_id);
    return m;
}

inline pb::ClientMessage remove_dot(const std::string& vote_id, const std::string& feature_id)
{
    pb::ClientMessage m;
    m.mutable_remove_dot()->set_vote_id(vote_id);
    m.mutable_remove_dot()->set_feature_id(feature_id);
    return m;
}

inline pb::ClientMessage close_vote(const std::string& vote_id)
{
    pb::ClientMessage m;
    m.mutable_close_vote()->set_vote_id(vote_id);
    return m;
}

inline pb::ClientMessage start_session(const std::string& title)
{
    pb::ClientMessage m;
    m.mutable_start_session()->set_title(title);
    return m;
}

inline pb::ClientMessage end_session()
{
    pb::ClientMessage m;
    m.mutable_end_session();
    return m;
}

} // namespace maptable::golden::cmd
