// Layer: model. Workshop tools: the agenda, the shared timer, "bring everyone
// to my view", follow the leader, the spotlight, and the raised-hand queue.
//
// All of it is facilitation (permissions.cpp lets only facilitators send
// these, except raising or lowering your own hand). Time is server time: a
// timer event carries the timer as it stands at the event's time_ms, so
// every client computes the same remaining time from it, and apply only
// stores what the event says.
#include "model/rules/rules.hpp"

#include "model/limits.hpp"

#include <algorithm>
#include <set>

namespace maptable::model::rules {

namespace {

constexpr std::size_t max_agenda_steps = 50;            // a day-long workshop has a few dozen steps at most
constexpr std::int64_t min_timer_ms = 1'000;            // a countdown shorter than a second is a typo
constexpr std::int64_t max_timer_ms = 24 * 3600 * 1000; // a timer runs within a day; longer is a date
constexpr std::uint32_t max_step_timer_seconds = 24 * 3600;

bool is_moderator(const actor& who)
{
    return who.role == pb::ROLE_FACILITATOR || who.role == pb::ROLE_ADMIN;
}

const pb::AgendaStep* find_step(const std::vector<pb::AgendaStep>& agenda, const std::string& id)
{
    const auto it = std::find_if(agenda.begin(), agenda.end(), [&](const pb::AgendaStep& s) { return s.id() == id; });
    return it == agenda.end() ? nullptr : &*it;
}

bool has_raised(const room_data& room, const std::string& participant_id)
{
    return std::any_of(room.hands.begin(), room.hands.end(),
                       [&](const pb::RaisedHand& h) { return h.participant_id() == participant_id; });
}

// ---------------------------------------------------------------- agenda

// A step's view: a centre with a zoom, or bounds to fit (then clients use the
// bounds and ignore the centre), or both.
problem check_view(const pb::MapView& view)
{
    if (!view.has_center() && !view.has_bounds())
        return reject(
            pb::ERROR_CODE_INVALID_AGENDA,
            "a view needs a center and zoom, or bounds; leave the view out for a step that does not move the map");
    if (view.has_center()) {
        if (auto p = at("center", check_position(view.center())))
            return p;
        if (auto p = check_zoom(view.zoom()))
            return p;
    }
    if (view.has_bounds())
        return check_bounds(view.bounds());
    return std::nullopt;
}

problem check_step(const pb::AgendaStep& step)
{
    return first_problem([&] { return check_id("agenda step", step.id()); },
                         [&] { return check_message_text("title", step.title(), limits().max_title_chars); },
                         [&] { return check_text("prompt", step.prompt(), limits().max_description_chars); },
                         [&] { return step.has_view() ? at("view", check_view(step.view())) : problem{}; },
                         [&] {
        if (step.timer_seconds() <= max_step_timer_seconds)
            return problem{};
        return problem{reject(pb::ERROR_CODE_INVALID_TIMER,
                              "timer_seconds must be 0 (no timer) to " + std::to_string(max_step_timer_seconds) +
                                  " (24 hours), got " + std::to_string(step.timer_seconds()))};
    });
}

problem set_agenda(const pb::SetAgenda& command, pb::Event& event)
{
    const auto& steps = command.steps();
    if (static_cast<std::size_t>(steps.size()) > max_agenda_steps)
        return reject(pb::ERROR_CODE_INVALID_AGENDA,
                      "an agenda has at most " + std::to_string(max_agenda_steps) + " steps, got " +
                          std::to_string(steps.size()));
    std::set<std::string> ids;
    for (int i = 0; i < steps.size(); ++i) {
        const std::string where = "step " + std::to_string(i);
        if (auto p = at(where, check_step(steps[i])))
            return p;
        if (!ids.insert(steps[i].id()).second)
            return reject(pb::ERROR_CODE_INVALID_AGENDA,
                          where + ": id " + quote_short(steps[i].id()) +
                              " is used by an earlier step; step ids are unique");
    }
    *event.mutable_agenda_set()->mutable_steps() = steps;
    return std::nullopt;
}

problem open_step(const room_data& room, const pb::OpenAgendaStep& command, pb::Event& event)
{
    const std::string& id = command.step_id();
    if (id.empty()) {
        if (room.current_step.empty())
            return reject(pb::ERROR_CODE_NO_CHANGE, "no agenda step is open, so there is none to close");
    } else {
        if (!find_step(room.agenda, id))
            return reject(pb::ERROR_CODE_STEP_NOT_FOUND, "the agenda has no step with id " + quote_short(id));
        if (room.current_step == id)
            return reject(pb::ERROR_CODE_NO_CHANGE, "step " + quote_short(id) + " is already open");
    }
    event.mutable_agenda_step_opened()->set_step_id(id);
    return std::nullopt;
}

// ---------------------------------------------------------------- timer

// What remains of a timer at server time now_ms (clamped at 0; a clock that
// went backwards counts as no time passed).
std::int64_t remaining_at(const pb::Timer& timer, std::int64_t now_ms)
{
    if (!timer.running())
        return timer.remaining_ms();
    const std::int64_t elapsed = std::max<std::int64_t>(0, now_ms - timer.started_at_ms());
    return elapsed >= timer.remaining_ms() ? 0 : timer.remaining_ms() - elapsed;
}

problem control_timer(const room_data& room, const pb::ControlTimer& command, pb::Event& event)
{
    const pb::Timer& now = room.timer;
    const std::int64_t t = event.time_ms();
    pb::Timer next = now;
    switch (command.action()) {
    case pb::ControlTimer::ACTION_START:
        if (!(command.duration_ms() >= min_timer_ms && command.duration_ms() <= max_timer_ms))
            return reject(pb::ERROR_CODE_INVALID_TIMER,
                          "duration_ms must be " + std::to_string(min_timer_ms) + " (1 second) to " +
                              std::to_string(max_timer_ms) + " (24 hours), got " +
                              std::to_string(command.duration_ms()));
        next.set_duration_ms(command.duration_ms());
        next.set_running(true);
        next.set_started_at_ms(t);
        next.set_remaining_ms(command.duration_ms());
        break;
    case pb::ControlTimer::ACTION_PAUSE:
        if (!now.running())
            return reject(pb::ERROR_CODE_INVALID_TIMER, "the timer is not running, so it cannot be paused");
        next.set_running(false);
        next.set_remaining_ms(remaining_at(now, t));
        break;
    case pb::ControlTimer::ACTION_RESUME:
        if (now.running())
            return reject(pb::ERROR_CODE_INVALID_TIMER, "the timer is already running");
        if (now.remaining_ms() <= 0)
            return reject(pb::ERROR_CODE_INVALID_TIMER,
                          "no time remains on the timer: start it with a duration or reset it first");
        next.set_running(true);
        next.set_started_at_ms(t);
        break;
    case pb::ControlTimer::ACTION_RESET:
        if (now.duration_ms() <= 0)
            return reject(pb::ERROR_CODE_INVALID_TIMER, "the timer was never started, so there is nothing to reset");
        if (!now.running() && now.remaining_ms() == now.duration_ms())
            return reject(pb::ERROR_CODE_NO_CHANGE, "the timer is already stopped at its full duration");
        next.set_running(false);
        next.set_remaining_ms(now.duration_ms());
        break;
    default:
        return reject(pb::ERROR_CODE_INVALID_TIMER,
                      "action must be start, pause, resume or reset, got " + std::to_string(command.action()));
    }
    *event.mutable_timer_changed()->mutable_timer() = next;
    return std::nullopt;
}

// ---------------------------------------------------------------- views

problem share_view(const pb::ShareView& command, pb::Event& event)
{
    if (!command.has_viewport())
        return reject(pb::ERROR_CODE_INVALID_COORDINATE, "share_view needs the viewport to bring everyone to");
    if (auto p = at("viewport", check_viewport(command.viewport())))
        return p;
    *event.mutable_view_shared()->mutable_viewport() = command.viewport();
    return std::nullopt;
}

problem set_follow(const room_data& room, const pb::SetFollow& command, const actor& who, pb::Event& event)
{
    const std::string& leader = room.follow.leader_id();
    if (command.on() && leader == who.id)
        return reject(pb::ERROR_CODE_NO_CHANGE, "everyone already follows you");
    if (!command.on()) {
        if (leader.empty())
            return reject(pb::ERROR_CODE_NO_CHANGE, "nobody leads, so there is no following to stop");
        // Any facilitator may stop someone else leading (the leader may have
        // left without turning it off); nobody else may.
        if (leader != who.id && !is_moderator(who))
            return reject(pb::ERROR_CODE_NOT_AUTHOR, "only the leader or a facilitator may stop everyone following");
    }
    event.mutable_follow_changed()->set_on(command.on());
    return std::nullopt;
}

problem spotlight(const room_data& room, const pb::Spotlight& command, pb::Event& event)
{
    const std::string& id = command.feature_id();
    if (!id.empty() && !room.features.count(id))
        return reject(pb::ERROR_CODE_FEATURE_NOT_FOUND,
                      "there is no feature with id " + quote_short(id) + " to spotlight");
    if (id == room.spotlight_feature_id)
        return reject(pb::ERROR_CODE_NO_CHANGE,
                      id.empty() ? std::string("no feature is in the spotlight")
                                 : "feature " + quote_short(id) + " is already in the spotlight");
    event.mutable_spotlight_changed()->set_feature_id(id);
    return std::nullopt;
}

// ---------------------------------------------------------------- hands

problem raise_hand(const room_data& room, const pb::RaiseHand& command, const actor& who, pb::Event& event)
{
    const bool raised = has_raised(room, who.id);
    if (command.raised() && raised)
        return reject(pb::ERROR_CODE_NO_CHANGE, "your hand is already raised");
    if (!command.raised() && !raised)
        return reject(pb::ERROR_CODE_NO_CHANGE, "your hand is not raised");
    event.mutable_hand_raised()->set_raised(command.raised());
    return std::nullopt;
}

problem call_next_hand(const room_data& room, pb::Event& event)
{
    if (room.hands.empty())
        return reject(pb::ERROR_CODE_NO_CHANGE, "no hand is raised");
    event.mutable_hand_called()->set_participant_id(room.hands.front().participant_id());
    return std::nullopt;
}

problem clear_hands(const room_data& room, pb::Event& event)
{
    if (room.hands.empty() && room.speaking.participant_id().empty())
        return reject(pb::ERROR_CODE_NO_CHANGE, "no hand is raised and nobody has the floor");
    event.mutable_hands_cleared();
    return std::nullopt;
}

// ---------------------------------------------------------------- apply

void open(room_data& room, const pb::Event& event)
{
    const std::string& id = event.agenda_step_opened().step_id();
    if (id.empty()) {
        room.current_step.clear(); // the timer goes on: closing a step does not stop the clock
        return;
    }
    const pb::AgendaStep* step = find_step(room.agenda, id);
    if (!step)
        return;
    // Clients move their map to step->view() when they see this event; the
    // state keeps only which step is open.
    room.current_step = id;
    if (step->timer_seconds() > 0) {
        const std::int64_t duration = static_cast<std::int64_t>(step->timer_seconds()) * 1000;
        room.timer.set_duration_ms(duration);
        room.timer.set_running(true);
        room.timer.set_started_at_ms(event.time_ms());
        room.timer.set_remaining_ms(duration);
    }
}

void call(room_data& room, const pb::Event& event)
{
    const std::string& id = event.hand_called().participant_id();
    const auto it = std::find_if(room.hands.begin(), room.hands.end(),
                                 [&](const pb::RaisedHand& h) { return h.participant_id() == id; });
    if (it == room.hands.end())
        return;
    room.speaking = *it;
    room.hands.erase(it);
}

void raise(room_data& room, const pb::Event& event)
{
    const std::string& id = event.actor_id();
    if (!event.hand_raised().raised()) {
        std::erase_if(room.hands, [&](const pb::RaisedHand& h) { return h.participant_id() == id; });
        return;
    }
    if (has_raised(room, id))
        return;
    // The queue is in raised_seq order because events are applied in seq order.
    pb::RaisedHand& hand = room.hands.emplace_back();
    hand.set_participant_id(id);
    hand.set_name(event.actor_name());
    hand.set_raised_seq(event.seq());
}

} // namespace

problem validate_workshop_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                                  pb::Event& event)
{
    using M = pb::ClientMessage;
    switch (command.body_case()) {
    case M::kSetAgenda: return set_agenda(command.set_agenda(), event);
    case M::kOpenAgendaStep: return open_step(room, command.open_agenda_step(), event);
    case M::kControlTimer: return control_timer(room, command.control_timer(), event);
    case M::kShareView: return share_view(command.share_view(), event);
    case M::kSetFollow: return set_follow(room, command.set_follow(), who, event);
    case M::kSpotlight: return spotlight(room, command.spotlight(), event);
    case M::kRaiseHand: return raise_hand(room, command.raise_hand(), who, event);
    case M::kCallNextHand: return call_next_hand(room, event);
    case M::kClearHands: return clear_hands(room, event);
    default: return reject(pb::ERROR_CODE_INTERNAL, "not a workshop command");
    }
}

void apply_workshop_event(room_data& room, const pb::Event& event)
{
    using E = pb::Event;
    switch (event.body_case()) {
    case E::kAgendaSet:
        room.agenda.assign(event.agenda_set().steps().begin(), event.agenda_set().steps().end());
        if (!room.current_step.empty() && !find_step(room.agenda, room.current_step))
            room.current_step.clear();
        break;
    case E::kAgendaStepOpened: open(room, event); break;
    case E::kTimerChanged: room.timer = event.timer_changed().timer(); break;
    case E::kViewShared: break; // a moment, not a state: clients move their map when they see it
    case E::kFollowChanged:
        if (event.follow_changed().on()) {
            room.follow.set_leader_id(event.actor_id());
            room.follow.set_leader_name(event.actor_name());
        } else {
            room.follow.Clear();
        }
        break;
    case E::kSpotlightChanged: {
        const std::string& id = event.spotlight_changed().feature_id();
        if (id.empty() || room.features.count(id))
            room.spotlight_feature_id = id;
        break;
    }
    case E::kHandRaised: raise(room, event); break;
    case E::kHandCalled: call(room, event); break;
    case E::kHandsCleared:
        room.hands.clear();
        room.speaking.Clear();
        break;
    default: break;
    }
}

} // namespace maptable::model::rules
