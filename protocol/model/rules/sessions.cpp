// Layer: model. Dated sessions (meetings) inside a long-lived room.
//
// A facilitator starts a session and ends it; at most one runs at a time.
// room_state stamps every event with the running session's id, so exports
// and reports can pick out one meeting from years of a room's log. A session
// is named by the seq of the event that started it, and that event belongs
// to the session it starts; the event that ends it belongs to it too.
#include "model/rules/rules.hpp"

#include "model/limits.hpp"

#include <algorithm>

namespace maptable::model::rules {

namespace {

problem start_session(const room_data& room, const pb::StartSession& command, const actor& who, pb::Event& event)
{
    if (room.current_session != 0)
        return reject(pb::ERROR_CODE_SESSION_RUNNING,
                      "session " + std::to_string(room.current_session) +
                          " is running: end it before starting another");
    if (auto p = check_message_text("title", command.title(), limits().max_title_chars))
        return p;
    pb::Session& session = *event.mutable_session_started()->mutable_session();
    session.set_id(event.seq());
    session.set_title(command.title());
    session.set_started_ms(event.time_ms());
    session.set_started_by(who.id);
    event.set_session_id(event.seq());
    return std::nullopt;
}

problem end_session(const room_data& room, pb::Event& event)
{
    if (room.current_session == 0)
        return reject(pb::ERROR_CODE_NO_SESSION, "no session is running, so there is none to end");
    event.mutable_session_ended()->set_session_id(room.current_session);
    return std::nullopt;
}

} // namespace

problem validate_session_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                                 pb::Event& event)
{
    switch (command.body_case()) {
    case pb::ClientMessage::kStartSession: return start_session(room, command.start_session(), who, event);
    case pb::ClientMessage::kEndSession: return end_session(room, event);
    default: return reject(pb::ERROR_CODE_INTERNAL, "not a session command");
    }
}

void apply_session_event(room_data& room, const pb::Event& event)
{
    switch (event.body_case()) {
    case pb::Event::kSessionStarted: {
        const pb::Session& session = event.session_started().session();
        room.sessions.push_back(session);
        room.current_session = session.id();
        break;
    }
    case pb::Event::kSessionEnded: {
        const std::uint64_t id = event.session_ended().session_id();
        const auto it = std::find_if(room.sessions.begin(), room.sessions.end(),
                                     [&](const pb::Session& s) { return s.id() == id; });
        if (it == room.sessions.end() || it->ended_seq() != 0)
            break;
        it->set_ended_ms(event.time_ms());
        it->set_ended_seq(event.seq());
        if (room.current_session == id)
            room.current_session = 0;
        break;
    }
    default: break;
    }
}

} // namespace maptable::model::rules
