// The SDK's typed commands for facilitation (moderation, threads, chat
// changes, workshop tools, voting, sessions): each builds its ClientMessage
// and hands it to client::send, which numbers it, keeps it until it is
// answered and resends it after a reconnect, as for every event command.
#include "maptable/client.hpp"

namespace maptable {

std::future<command_result> client::react_to_chat(std::uint64_t message_seq, std::string emoji, bool remove)
{
    pb::ClientMessage m;
    auto* c = m.mutable_react_to_chat();
    c->set_message_seq(message_seq);
    c->set_emoji(std::move(emoji));
    c->set_remove(remove);
    return send(std::move(m));
}

std::future<command_result> client::edit_chat(std::uint64_t message_seq, std::string text)
{
    pb::ClientMessage m;
    m.mutable_edit_chat()->set_message_seq(message_seq);
    m.mutable_edit_chat()->set_text(std::move(text));
    return send(std::move(m));
}

std::future<command_result> client::delete_chat(std::uint64_t message_seq, std::string reason)
{
    pb::ClientMessage m;
    m.mutable_delete_chat()->set_message_seq(message_seq);
    m.mutable_delete_chat()->set_reason(std::move(reason));
    return send(std::move(m));
}

// ---------------------------------------------------------------- moderation

std::future<command_result> client::update_settings(pb::RoomSettingsChange change)
{
    pb::ClientMessage m;
    *m.mutable_update_settings()->mutable_change() = std::move(change);
    return send(std::move(m));
}

std::future<command_result> client::mute_participant(std::string participant_id, bool muted, std::string reason)
{
    pb::ClientMessage m;
    auto* c = m.mutable_mute_participant();
    c->set_participant_id(std::move(participant_id));
    c->set_muted(muted);
    c->set_reason(std::move(reason));
    return send(std::move(m));
}

std::future<command_result> client::remove_participant(std::string participant_id, std::string reason)
{
    pb::ClientMessage m;
    m.mutable_remove_participant()->set_participant_id(std::move(participant_id));
    m.mutable_remove_participant()->set_reason(std::move(reason));
    return send(std::move(m));
}

// ---------------------------------------------------------------- comment threads

std::future<command_result> client::start_thread(std::string thread_id, std::string feature_id, std::string text)
{
    pb::ClientMessage m;
    auto* c = m.mutable_start_thread();
    c->set_thread_id(std::move(thread_id));
    c->set_feature_id(std::move(feature_id));
    c->set_text(std::move(text));
    return send(std::move(m));
}

std::future<command_result> client::start_thread(std::string thread_id, pb::LonLat position, std::string text)
{
    pb::ClientMessage m;
    auto* c = m.mutable_start_thread();
    c->set_thread_id(std::move(thread_id));
    *c->mutable_position() = position;
    c->set_text(std::move(text));
    return send(std::move(m));
}

std::future<command_result> client::add_comment(std::string thread_id, std::string text)
{
    pb::ClientMessage m;
    m.mutable_add_comment()->set_thread_id(std::move(thread_id));
    m.mutable_add_comment()->set_text(std::move(text));
    return send(std::move(m));
}

std::future<command_result> client::edit_comment(std::string thread_id, std::uint64_t comment_seq, std::string text)
{
    pb::ClientMessage m;
    auto* c = m.mutable_edit_comment();
    c->set_thread_id(std::move(thread_id));
    c->set_comment_seq(comment_seq);
    c->set_text(std::move(text));
    return send(std::move(m));
}

std::future<command_result> client::delete_comment(std::string thread_id, std::uint64_t comment_seq, std::string reason)
{
    pb::ClientMessage m;
    auto* c = m.mutable_delete_comment();
    c->set_thread_id(std::move(thread_id));
    c->set_comment_seq(comment_seq);
    c->set_reason(std::move(reason));
    return send(std::move(m));
}

std::future<command_result> client::resolve_thread(std::string thread_id, bool resolved)
{
    pb::ClientMessage m;
    m.mutable_resolve_thread()->set_thread_id(std::move(thread_id));
    m.mutable_resolve_thread()->set_resolved(resolved);
    return send(std::move(m));
}

// ---------------------------------------------------------------- workshop tools

std::future<command_result> client::set_agenda(std::vector<pb::AgendaStep> steps)
{
    pb::ClientMessage m;
    for (auto& step : steps)
        *m.mutable_set_agenda()->add_steps() = std::move(step);
    return send(std::move(m));
}

std::future<command_result> client::open_agenda_step(std::string step_id)
{
    pb::ClientMessage m;
    m.mutable_open_agenda_step()->set_step_id(std::move(step_id));
    return send(std::move(m));
}

std::future<command_result> client::control_timer(pb::ControlTimer::Action action, std::chrono::milliseconds duration)
{
    pb::ClientMessage m;
    m.mutable_control_timer()->set_action(action);
    m.mutable_control_timer()->set_duration_ms(duration.count());
    return send(std::move(m));
}

std::future<command_result> client::share_view(pb::Viewport viewport)
{
    pb::ClientMessage m;
    *m.mutable_share_view()->mutable_viewport() = std::move(viewport);
    return send(std::move(m));
}

std::future<command_result> client::set_follow(bool on)
{
    pb::ClientMessage m;
    m.mutable_set_follow()->set_on(on);
    return send(std::move(m));
}

std::future<command_result> client::spotlight(std::string feature_id)
{
    pb::ClientMessage m;
    m.mutable_spotlight()->set_feature_id(std::move(feature_id));
    return send(std::move(m));
}

std::future<command_result> client::raise_hand(bool raised)
{
    pb::ClientMessage m;
    m.mutable_raise_hand()->set_raised(raised);
    return send(std::move(m));
}

std::future<command_result> client::call_next_hand()
{
    pb::ClientMessage m;
    m.mutable_call_next_hand();
    return send(std::move(m));
}

std::future<command_result> client::clear_hands()
{
    pb::ClientMessage m;
    m.mutable_clear_hands();
    return send(std::move(m));
}

// ---------------------------------------------------------------- voting

std::future<command_result> client::open_vote(pb::VoteRound round)
{
    pb::ClientMessage m;
    *m.mutable_open_vote()->mutable_round() = std::move(round);
    return send(std::move(m));
}

std::future<command_result> client::place_dot(std::string vote_id, std::string feature_id)
{
    pb::ClientMessage m;
    m.mutable_place_dot()->set_vote_id(std::move(vote_id));
    m.mutable_place_dot()->set_feature_id(std::move(feature_id));
    return send(std::move(m));
}

std::future<command_result> client::remove_dot(std::string vote_id, std::string feature_id)
{
    pb::ClientMessage m;
    m.mutable_remove_dot()->set_vote_id(std::move(vote_id));
    m.mutable_remove_dot()->set_feature_id(std::move(feature_id));
    return send(std::move(m));
}

std::future<command_result> client::close_vote(std::string vote_id)
{
    pb::ClientMessage m;
    m.mutable_close_vote()->set_vote_id(std::move(vote_id));
    return send(std::move(m));
}

// ---------------------------------------------------------------- sessions

std::future<command_result> client::start_session(std::string title)
{
    pb::ClientMessage m;
    m.mutable_start_session()->set_title(std::move(title));
    return send(std::move(m));
}

std::future<command_result> client::end_session()
{
    pb::ClientMessage m;
    m.mutable_end_session();
    return send(std::move(m));
}

} // namespace maptable
