// Layer: client (command-line tool). The facilitation events as lines for
// people in `join`: who locked what, commented where, opened which step,
// placed a dot. See describe_facilitation_event in commands.hpp.
#include "commands.hpp"

#include <string>

namespace maptable::cli {

namespace {

const char* audience_name(pb::Audience a)
{
    switch (a) {
    case pb::AUDIENCE_FACILITATORS: return "facilitators only";
    case pb::AUDIENCE_PARTICIPANTS: return "facilitators and participants";
    case pb::AUDIENCE_EVERYONE: return "everyone";
    default: return "the default";
    }
}

std::string settings_text(const pb::RoomSettingsChange& c)
{
    std::string out;
    auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
    if (c.has_map_locked())
        add(c.map_locked() ? "map locked" : "map open");
    if (c.has_annotate())
        add(std::string("annotate: ") + audience_name(c.annotate()));
    if (c.has_chat())
        add(std::string("chat: ") + audience_name(c.chat()));
    if (c.has_comment())
        add(std::string("comment: ") + audience_name(c.comment()));
    if (c.has_hide_cursors())
        add(c.hide_cursors() ? "cursors hidden" : "cursors shown");
    return out;
}

std::string reason(const std::string& why)
{
    return why.empty() ? "" : " (" + printable(why) + ")";
}

std::string thread_anchor(const pb::Thread& t)
{
    if (!t.feature_id().empty())
        return "on " + t.feature_id();
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "at %.6g,%.6g", t.position().lon(), t.position().lat());
    return buffer;
}

std::string step_title(const model::room_state& before, const std::string& id)
{
    for (const auto& step : before.data().agenda)
        if (step.id() == id)
            return "'" + printable(step.title()) + "' (" + id + ")";
    return id;
}

const char* timer_state(const pb::Timer& t)
{
    if (t.running())
        return t.remaining_ms() == t.duration_ms() ? "started" : "resumed";
    return t.remaining_ms() == t.duration_ms() ? "reset" : "paused";
}

} // namespace

std::string describe_facilitation_event(const pb::Event& e, const model::room_state& before, const std::string& who)
{
    switch (e.body_case()) {
    case pb::Event::kSettingsChanged:
        return who + " changed the settings: " + settings_text(e.settings_changed().change());
    case pb::Event::kParticipantMuted: {
        const auto& m = e.participant_muted();
        return who + (m.muted() ? " muted " : " unmuted ") + printable(m.participant_id()) + reason(m.reason());
    }
    case pb::Event::kParticipantRemoved:
        return who + " removed " + printable(e.participant_removed().participant_id()) +
            reason(e.participant_removed().reason());
    case pb::Event::kRoomArchived:
        return who + (e.room_archived().archived() ? " archived the room" : " reopened the room");
    case pb::Event::kThreadStarted: {
        const auto& t = e.thread_started().thread();
        const std::string text = t.comments().empty() ? "" : t.comments(0).text();
        return who + " started thread " + t.id() + " " + thread_anchor(t) + ": " + printable(text);
    }
    case pb::Event::kCommentAdded:
        return who + " commented in " + e.comment_added().thread_id() + ": " +
            printable(e.comment_added().comment().text());
    case pb::Event::kCommentEdited:
        return who + " edited comment " + std::to_string(e.comment_edited().comment_seq()) + " in " +
            e.comment_edited().thread_id() + ": " + printable(e.comment_edited().text());
    case pb::Event::kCommentDeleted:
        return who + " deleted comment " + std::to_string(e.comment_deleted().comment_seq()) + " in " +
            e.comment_deleted().thread_id() + reason(e.comment_deleted().reason());
    case pb::Event::kThreadResolved:
        return who + (e.thread_resolved().resolved() ? " resolved thread " : " reopened thread ") +
            e.thread_resolved().thread_id();
    case pb::Event::kChatReacted:
        return who + (e.chat_reacted().removed() ? " took back " : " reacted ") + printable(e.chat_reacted().emoji()) +
            (e.chat_reacted().removed() ? " from seq " : " to seq ") + std::to_string(e.chat_reacted().message_seq());
    case pb::Event::kChatEdited:
        return who + " edited seq " + std::to_string(e.chat_edited().message_seq()) + ": " +
            printable(e.chat_edited().text());
    case pb::Event::kChatDeleted:
        return who + " deleted seq " + std::to_string(e.chat_deleted().message_seq()) +
            reason(e.chat_deleted().reason());
    case pb::Event::kAgendaSet:
        return who + " set the agenda: " + std::to_string(e.agenda_set().steps_size()) +
            (e.agenda_set().steps_size() == 1 ? " step" : " steps");
    case pb::Event::kAgendaStepOpened:
        return e.agenda_step_opened().step_id().empty()
            ? who + " closed the agenda step"
            : who + " opened step " + step_title(before, e.agenda_step_opened().step_id());
    case pb::Event::kTimerChanged: {
        const auto& t = e.timer_changed().timer();
        return who + " " + timer_state(t) + " the timer: " + std::to_string(t.remaining_ms() / 1000) + " s left";
    }
    case pb::Event::kViewShared: return who + " brought everyone to their view";
    case pb::Event::kFollowChanged:
        return who + (e.follow_changed().on() ? " leads: everyone's view follows theirs" : " stopped leading");
    case pb::Event::kSpotlightChanged:
        return e.spotlight_changed().feature_id().empty()
            ? who + " cleared the spotlight"
            : who + " put " + e.spotlight_changed().feature_id() + " in the spotlight";
    case pb::Event::kHandRaised: return who + (e.hand_raised().raised() ? " raised a hand" : " lowered their hand");
    case pb::Event::kHandCalled: return who + " gave the floor to " + printable(e.hand_called().participant_id());
    case pb::Event::kHandsCleared: return who + " cleared the raised hands";
    case pb::Event::kVoteOpened: {
        const auto& r = e.vote_opened().round();
        return who + " opened vote " + r.id() + " '" + printable(r.title()) +
            "': " + std::to_string(r.dots_per_person()) + " dots each";
    }
    case pb::Event::kDotPlaced:
        return who + " placed a dot on " + e.dot_placed().feature_id() + " in " + e.dot_placed().vote_id();
    case pb::Event::kDotRemoved:
        return who + " took a dot off " + e.dot_removed().feature_id() + " in " + e.dot_removed().vote_id();
    case pb::Event::kVoteClosed: {
        std::string line = who + " closed vote " + e.vote_closed().vote_id() + ":";
        for (const auto& t : e.vote_closed().results())
            line += " " + t.feature_id() + " " + std::to_string(t.dots()) + ",";
        if (line.back() == ',')
            line.pop_back();
        else
            line += " no dots";
        return line;
    }
    case pb::Event::kSessionStarted:
        return who + " started session " + std::to_string(e.seq()) + " '" +
            printable(e.session_started().session().title()) + "'";
    case pb::Event::kSessionEnded: return who + " ended session " + std::to_string(e.session_ended().session_id());
    default: return {};
    }
}

} // namespace maptable::cli
