// The golden scenarios. Each is a short story of a room, told through the
// commands people send; the builder runs them through validate and apply.
// Texts use non-ASCII on purpose (UTF-8 must survive both SDKs' codecs).
#include "scenarios.hpp"

#include "commands.hpp"
#include "scenario_builder.hpp"

#include <google/protobuf/unknown_field_set.h>

namespace maptable::golden {

namespace {

using namespace cmd;
using A = pb::ControlTimer;

const model::actor ana = facilitator("u-ana", "Ana", "ballot-ana-5e6f");
const model::actor eve = facilitator("u-eve", "Eve");
const model::actor ben = participant("u-ben", "Ben", "ballot-ben-1a2b");
const model::actor cleo = participant("u-cleo", "Cléo", "ballot-cleo-3c4d");
const model::actor dan = observer("u-dan", "Dan");

pb::FeaturePatch patch_title(const std::string& title)
{
    pb::FeaturePatch p;
    p.set_title(title);
    return p;
}

golden_sequence features_scenario()
{
    scenario_builder s("features",
                       "add every kind, patch single properties (also clearing one and changing the kind), "
                       "moderate, delete, reuse a deleted id",
                       "harbour-features");
    s.run(add_feature("p-cafe", geometry(pb::FEATURE_KIND_POINT, {{18.4231, -33.9249}}), "Café Zürich ☕", "amenity",
                      "#aa3300", "Open till late"),
          ben);
    s.run(add_feature("l-route", geometry(pb::FEATURE_KIND_LINE, {{18.41, -33.92}, {18.42, -33.925}, {18.43, -33.93}}),
                      "Bike route 🚲", "mobility"),
          cleo);
    s.run(add_feature(
              "a-park",
              geometry(pb::FEATURE_KIND_AREA, {{18.40, -33.90}, {18.41, -33.90}, {18.41, -33.91}, {18.40, -33.91}}),
              "Park", "green", "#22aa44"),
          ana);
    s.run(add_feature("n-1", geometry(pb::FEATURE_KIND_NOTE, {{18.425, -33.927}}), "", "", "", "Too dark at night"),
          ben);

    pb::FeaturePatch clear_colour = patch_title("Café Zürich (closed Mondays)");
    clear_colour.set_colour("");
    s.run(update_feature("p-cafe", clear_colour), ben);

    pb::FeaturePatch reshape;
    *reshape.mutable_geometry() = geometry(pb::FEATURE_KIND_AREA, {{18.41, -33.92}, {18.42, -33.925}, {18.43, -33.93}});
    reshape.set_category("");
    s.run(update_feature("l-route", reshape), cleo);
    s.refused(update_feature("l-route", patch_title("mine now")), ben, pb::ERROR_CODE_NOT_AUTHOR);

    pb::FeaturePatch describe;
    describe.set_description("Too dark at night — needs street lights");
    s.run(update_feature("n-1", describe), ana);
    s.run(delete_feature("p-cafe", "duplicate of the café on the map"), ana);
    s.run(add_feature("p-cafe", geometry(pb::FEATURE_KIND_POINT, {{18.4240, -33.9250}}), "Café (moved)"), ben);
    s.run(delete_feature("l-route"), cleo);
    pb::FeaturePatch layer;
    layer.set_layer("night");
    s.run(update_feature("n-1", layer), ben);
    return s.finish();
}

golden_sequence chat_scenario()
{
    scenario_builder s("chat",
                       "replies, mentions, reactions added and removed, edits, deletes, 230 messages so the "
                       "window of 200 overflows, a facilitator deleting a message older than the window",
                       "harbour-chat");
    s.run(add_feature("f-bench", geometry(pb::FEATURE_KIND_POINT, {{2.35, 48.85}}), "Bench"), ben);
    const auto welcome = s.run(chat("Welcome to the harbour workshop! 👋"), ana);
    const auto reply = s.run(chat("@Ana thanks — ünïcödé 路口", welcome, "f-bench", {"u-ana"}), ben);
    s.run(react(welcome, "👍"), cleo);
    s.run(react(welcome, "👍"), ben);
    s.run(react(welcome, "🎉"), ben);
    s.run(react(welcome, "👍", true), ben);
    s.refused(react(welcome, "👍", true), ben, pb::ERROR_CODE_NO_CHANGE);
    s.run(react(reply, "+1"), ana);
    s.run(react(reply, "+1", true), ana); // the last one: the reaction goes
    s.run(edit_chat(reply, "@Ana thanks! (edited)"), ben);
    const auto rude = s.run(chat("this is a rude message"), cleo);
    s.run(react(rude, "😠"), ben);
    s.run(delete_chat(rude, "not civil"), ana);
    s.refused(edit_chat(rude, "sorry"), cleo, pb::ERROR_CODE_ALREADY_DELETED);
    const auto own = s.run(chat("typo mesage"), ben);
    s.run(delete_chat(own), ben);

    std::uint64_t last = 0;
    for (int i = 0; i < 230; ++i) {
        const auto& who = i % 3 == 0 ? ben : (i % 3 == 1 ? cleo : ana);
        last = s.run(chat("message " + std::to_string(i) + (i % 7 == 0 ? " ✓" : ""), i % 10 == 0 ? last : 0), who);
    }
    s.refused(react(welcome, "👍"), cleo, pb::ERROR_CODE_MESSAGE_NOT_FOUND);
    s.run(chat("answering an old one", reply), cleo);            // older than the window: accepted unchecked
    s.run(delete_chat(welcome, "removed from the record"), ana); // older than the window: only the log has it
    s.run(react(last, "👀"), ben);
    s.run(react(last, "👀"), cleo);
    s.run(edit_chat(last, "message 229, edited"), cleo); // message 229 is Cléo's
    return s.finish();
}

golden_sequence moderation_scenario()
{
    scenario_builder s("moderation",
                       "room info with bounds, lock settings, mute and unmute, removing a leader and a "
                       "raised hand, clearing bounds, archive by the admin",
                       "harbour-moderation");
    pb::RoomInfoChanged info;
    info.set_title("Harbour 2030");
    info.set_description("Where should the new ferry stop go?");
    info.set_city("Cape Town");
    *info.mutable_center() = at(18.42, -33.92);
    info.set_zoom(13.5);
    *info.mutable_bounds()->mutable_south_west() = at(18.3, -34.0);
    *info.mutable_bounds()->mutable_north_east() = at(18.6, -33.8);
    s.run(room_info(info), ana);
    s.run(add_feature("f-stop", geometry(pb::FEATURE_KIND_POINT, {{18.43, -33.91}}), "Ferry stop?"), ben);
    s.refused(add_feature("f-far", geometry(pb::FEATURE_KIND_POINT, {{2.35, 48.85}}), "Paris"), ben,
              pb::ERROR_CODE_OUTSIDE_BOUNDS);

    pb::RoomSettingsChange lock;
    lock.set_annotate(pb::AUDIENCE_FACILITATORS);
    lock.set_chat(pb::AUDIENCE_EVERYONE);
    lock.set_map_locked(true);
    lock.set_hide_cursors(true);
    s.run(settings(lock), ana);
    s.refused(add_feature("f-2", geometry(pb::FEATURE_KIND_POINT, {{18.44, -33.91}}), "x"), ben, pb::ERROR_CODE_LOCKED);
    s.run(chat("observers may chat now"), dan);
    pb::RoomSettingsChange unlock;
    unlock.set_map_locked(false);
    unlock.set_annotate(pb::AUDIENCE_UNSPECIFIED);
    unlock.set_comment(pb::AUDIENCE_FACILITATORS);
    s.run(settings(unlock), ana);

    s.run(mute(ben.id, true, "spam"), ana);
    s.refused(chat("let me talk"), ben, pb::ERROR_CODE_MUTED);
    s.run(mute(cleo.id, true), ana);
    s.run(mute(ben.id, false), ana);
    s.run(chat("thanks"), ben);

    s.run(follow(true), eve);
    s.run(raise_hand(true), ben);
    s.run(raise_hand(true), cleo);
    s.run(remove(eve.id, "left the organisation"), ana);
    s.run(call_next_hand(), ana); // Ben has the floor...
    s.run(remove(ben.id), ana);   // ...and loses it when removed
    s.refused(chat("am I here?"), ben, pb::ERROR_CODE_PARTICIPANT_REMOVED);

    pb::RoomInfoChanged unbound;
    unbound.set_clear_bounds(true);
    unbound.set_zoom(12);
    s.run(room_info(unbound), ana);
    s.run(archive(true), admin());
    s.refused(chat("hello?"), ana, pb::ERROR_CODE_ROOM_ARCHIVED);
    s.run(archive(false), admin());
    s.run(chat("reopened for the second round"), ana);
    s.run(archive(true), admin());
    return s.finish();
}

golden_sequence threads_scenario()
{
    scenario_builder s("threads",
                       "threads on features and places, comments edited and deleted, resolve and reopen, "
                       "threads detached when their feature is deleted (also a reused feature id)",
                       "harbour-threads");
    s.run(add_feature("f-1", geometry(pb::FEATURE_KIND_POINT, {{10.0, 50.0}}), "Crossing"), ben);
    s.run(add_feature("f-2", geometry(pb::FEATURE_KIND_AREA, {{10.1, 50.1}, {10.2, 50.1}, {10.2, 50.2}}), "Square"),
          cleo);
    const auto first = s.run(thread_on_feature("t-1", "f-1", "Needs a zebra crossing"), ben);
    const auto cleos = s.run(comment("t-1", "Agreed, kids cross here"), cleo);
    s.run(comment("t-1", "Noted — we'll check the traffic counts"), ana);
    s.run(edit_comment("t-1", cleos, "Agreed: school kids cross here every morning"), cleo);
    s.run(delete_comment("t-1", cleos, "personal data"), ana);
    s.run(edit_comment("t-1", first, "Needs a zebra crossing 🦓"), ben);
    s.refused(edit_comment("t-1", cleos, "again"), cleo, pb::ERROR_CODE_ALREADY_DELETED);
    s.run(thread_at("t-place", at(10.05, 50.05), "What about here?"), cleo);
    s.run(resolve("t-1", true), ben);
    s.run(resolve("t-1", false), ben);
    s.run(resolve("t-place", true), ana);

    pb::FeaturePatch move;
    *move.mutable_geometry() = geometry(pb::FEATURE_KIND_POINT, {{10.5, 50.5}});
    s.run(update_feature("f-1", move), ben);
    s.run(delete_feature("f-1"), ben); // t-1 stays, at the feature's last place
    s.refused(thread_on_feature("t-x", "f-1", "gone?"), cleo, pb::ERROR_CODE_FEATURE_NOT_FOUND);
    s.run(add_feature("f-1", geometry(pb::FEATURE_KIND_POINT, {{11.0, 51.0}}), "Crossing, again"), ben);
    s.run(thread_on_feature("t-2", "f-1", "Same place as before?"), cleo);
    s.run(delete_feature("f-1", "misplaced"), ana); // only t-2 is detached now
    s.run(thread_on_feature("t-3", "f-2", "Trees here"), ben);
    s.run(comment("t-1", "Still relevant after the marker went"), cleo);
    return s.finish();
}

golden_sequence workshop_scenario()
{
    scenario_builder s("workshop",
                       "agenda with views and timers, timer start/pause/resume/reset, steps opened and "
                       "closed, agenda replaced, shared view, follow, spotlight, the raised-hand queue",
                       "harbour-workshop");
    s.run(add_feature("f-a", geometry(pb::FEATURE_KIND_POINT, {{18.42, -33.92}}), "A"), ben);
    s.run(add_feature("f-b", geometry(pb::FEATURE_KIND_POINT, {{18.43, -33.93}}), "B"), ben);

    pb::AgendaStep intro;
    intro.set_id("s-intro");
    intro.set_title("Introductions");
    *intro.mutable_view()->mutable_center() = at(18.42, -33.92);
    intro.mutable_view()->set_zoom(14);
    intro.set_timer_seconds(300);
    intro.set_prompt("Who are you and where do you live?");
    pb::AgendaStep map;
    map.set_id("s-map");
    map.set_title("Mark the problems");
    *map.mutable_view()->mutable_bounds()->mutable_south_west() = at(18.40, -33.95);
    *map.mutable_view()->mutable_bounds()->mutable_north_east() = at(18.45, -33.90);
    pb::AgendaStep vote;
    vote.set_id("s-vote");
    vote.set_title("Vote");
    vote.set_timer_seconds(600);
    s.run(agenda({intro, map, vote}), ana);
    s.run(open_step("s-intro"), ana);
    s.wait_ms(30'000);
    s.run(timer(A::ACTION_PAUSE), ana);
    s.refused(timer(A::ACTION_PAUSE), ana, pb::ERROR_CODE_INVALID_TIMER);
    s.wait_ms(5'000);
    s.run(timer(A::ACTION_RESUME), ana);
    s.run(timer(A::ACTION_RESET), ana);
    s.run(timer(A::ACTION_START, 120'000), ana);
    s.run(open_step("s-map"), ana); // no timer of its own: the clock goes on
    s.run(open_step(""), ana);
    s.run(open_step("s-vote"), ana);
    s.run(agenda({intro, map}), ana); // the open step is gone: nothing is open
    s.run(share_view(viewport(18.40, -33.95, 18.45, -33.90, 15)), ana);
    s.run(follow(true), ana);
    s.run(follow(false), ana);
    s.run(follow(true), eve);
    s.run(follow(false), ana); // a facilitator stops someone else leading
    s.run(follow(true), ana);
    s.run(spotlight("f-a"), ana);
    s.run(spotlight("f-b"), ana);
    s.run(delete_feature("f-b"), ben); // the spotlight goes with it
    s.run(spotlight("f-a"), ana);
    s.run(raise_hand(true), ben);
    s.run(raise_hand(true), cleo);
    s.run(raise_hand(true), ana);
    s.run(raise_hand(false), ben);
    s.run(call_next_hand(), ana); // Cléo has the floor
    s.run(raise_hand(true), ben);
    s.run(call_next_hand(), ana); // Ana
    s.run(clear_hands(), ana);
    s.run(raise_hand(true), cleo);
    s.run(raise_hand(true), ben);
    s.run(call_next_hand(), eve);
    return s.finish();
}

golden_sequence voting_scenario()
{
    scenario_builder s("voting",
                       "a named round with a per-feature cap, dots on a feature that is then deleted, an "
                       "anonymous hidden round of one category with an end time, closing with tallies",
                       "harbour-voting");
    s.run(add_feature("f-park", geometry(pb::FEATURE_KIND_POINT, {{1.0, 1.0}}), "Park", "green"), ben);
    s.run(add_feature("f-road", geometry(pb::FEATURE_KIND_POINT, {{1.1, 1.1}}), "Road", "traffic"), cleo);
    s.run(add_feature("f-tree", geometry(pb::FEATURE_KIND_POINT, {{1.2, 1.2}}), "Tree", "green"), cleo);
    s.run(add_feature("f-bus", geometry(pb::FEATURE_KIND_POINT, {{1.3, 1.3}}), "Bus", "traffic"), ben);

    round_options capped;
    capped.max_per_feature = 2;
    s.run(open_vote("v-open", "Priorities", 3, capped), ana);
    s.run(place_dot("v-open", "f-park"), ben);
    s.run(place_dot("v-open", "f-park"), ben);
    s.refused(place_dot("v-open", "f-park"), ben, pb::ERROR_CODE_NO_DOTS_LEFT);
    s.run(place_dot("v-open", "f-road"), ben);
    s.refused(place_dot("v-open", "f-tree"), ben, pb::ERROR_CODE_NO_DOTS_LEFT);
    s.run(place_dot("v-open", "f-road"), cleo);
    s.run(remove_dot("v-open", "f-road"), cleo);
    s.run(place_dot("v-open", "f-tree"), cleo);
    s.run(place_dot("v-open", "f-bus"), cleo);
    s.run(remove_dot("v-open", "f-park"), ben);
    s.run(place_dot("v-open", "f-road"), cleo);
    s.run(delete_feature("f-road", "out of scope"), ana); // its dots stay spent until taken back
    s.run(remove_dot("v-open", "f-road"), ben);
    s.run(place_dot("v-open", "f-tree"), ben);
    s.run(place_dot("v-open", "f-tree"), ana);

    round_options secret;
    secret.category = "green";
    secret.anonymous = true;
    secret.results_hidden = true;
    secret.end_time_ms = s.now_ms() + 3'600'000;
    s.run(open_vote("v-green", "Greenest idea", 2, secret), ana);
    s.run(place_dot("v-green", "f-park"), ben);
    s.refused(place_dot("v-green", "f-bus"), ben, pb::ERROR_CODE_NOT_ELIGIBLE);
    s.run(place_dot("v-green", "f-park"), cleo);
    s.run(place_dot("v-green", "f-tree"), cleo);
    s.run(place_dot("v-green", "f-tree"), ana);
    s.run(remove_dot("v-green", "f-park"), ben);
    s.run(place_dot("v-green", "f-tree"), ben);

    s.run(close_vote("v-open"), ana); // Cléo's dot on the deleted road is not in the results
    s.refused(place_dot("v-open", "f-bus"), ben, pb::ERROR_CODE_VOTE_CLOSED);
    s.run(close_vote("v-green"), ana);
    s.run(open_vote("v-empty", "Nobody came", 1), ana);
    s.run(close_vote("v-empty"), ana);
    return s.finish();
}

golden_sequence sessions_scenario()
{
    scenario_builder s("sessions",
                       "dated sessions: events stamped with the running session, ended, started again; "
                       "a session left running",
                       "harbour-sessions");
    s.run(chat("before any session"), ana);
    s.run(start_session("Kick-off meeting"), ana);
    s.run(chat("hello from the kick-off"), ben);
    s.run(add_feature("f-1", geometry(pb::FEATURE_KIND_POINT, {{5.0, 5.0}}), "Idea"), ben);
    s.run(thread_on_feature("t-1", "f-1", "Why here?"), cleo);
    s.run(open_vote("v-1", "Best idea", 1), ana);
    s.run(place_dot("v-1", "f-1"), cleo);
    s.refused(start_session("another"), ana, pb::ERROR_CODE_SESSION_RUNNING);
    s.run(end_session(), ana);
    s.refused(end_session(), ana, pb::ERROR_CODE_NO_SESSION);
    s.run(chat("between sessions"), ben);
    s.run(start_session("Second workshop — ferry stops"), eve);
    s.run(add_feature("f-2", geometry(pb::FEATURE_KIND_POINT, {{5.1, 5.1}}), "Another idea"), cleo);
    s.run(close_vote("v-1"), ana);
    s.run(end_session(), ana);
    s.run(start_session("Follow-up"), ana);
    s.run(chat("the follow-up runs"), ana);
    return s.finish();
}

pb::Event hand_made(const model::actor& who)
{
    pb::Event e;
    e.set_actor_id(who.id);
    e.set_actor_name(who.name);
    return e;
}

golden_sequence totality_scenario()
{
    scenario_builder s("totality",
                       "apply-only: hand-made events that name what does not exist, repeat what exists, "
                       "or carry a body this version does not know; each changes nothing but the seq "
                       "(or exactly what apply says)",
                       "harbour-totality");
    s.run(add_feature("f-1", geometry(pb::FEATURE_KIND_POINT, {{3.0, 3.0}}), "One"), ben);
    s.run(chat("a message"), ben);
    s.run(thread_on_feature("t-1", "f-1", "first"), ben);
    s.run(open_vote("v-1", "Round", 2), ana);
    s.run(start_session("Only session"), ana);
    s.run(agenda({}), ana);

    auto e = hand_made(ben);
    e.mutable_feature_updated()->set_id("missing");
    e.mutable_feature_updated()->mutable_patch()->set_title("nobody");
    s.apply_raw(e);
    e = hand_made(ana);
    e.mutable_feature_deleted()->set_id("missing");
    s.apply_raw(e);
    e = hand_made(ben);
    e.mutable_chat_reacted()->set_message_seq(999);
    e.mutable_chat_reacted()->set_emoji("👍");
    s.apply_raw(e);
    e = hand_made(ben);
    e.mutable_chat_reacted()->set_message_seq(2);
    e.mutable_chat_reacted()->set_emoji("👍");
    e.mutable_chat_reacted()->set_removed(true); // removing a reaction nobody made
    s.apply_raw(e);
    e = hand_made(ben);
    e.mutable_chat_edited()->set_message_seq(999);
    e.mutable_chat_edited()->set_text("x");
    s.apply_raw(e);
    e = hand_made(ana);
    e.mutable_chat_deleted()->set_message_seq(999);
    s.apply_raw(e);
    e = hand_made(cleo);
    e.mutable_comment_added()->set_thread_id("missing");
    e.mutable_comment_added()->mutable_comment()->set_text("into the void");
    s.apply_raw(e);
    e = hand_made(cleo);
    e.mutable_comment_edited()->set_thread_id("t-1");
    e.mutable_comment_edited()->set_comment_seq(999);
    e.mutable_comment_edited()->set_text("x");
    s.apply_raw(e);
    e = hand_made(ana);
    e.mutable_comment_deleted()->set_thread_id("missing");
    s.apply_raw(e);
    e = hand_made(ana);
    e.mutable_thread_resolved()->set_thread_id("missing");
    e.mutable_thread_resolved()->set_resolved(true);
    s.apply_raw(e);
    e = hand_made(cleo); // a second thread with the id of the first: the first stays
    e.mutable_thread_started()->mutable_thread()->set_id("t-1");
    e.mutable_thread_started()->mutable_thread()->set_author_id(cleo.id);
    s.apply_raw(e);
    e = hand_made(ana); // a second round with an existing id: the first stays
    e.mutable_vote_opened()->mutable_round()->set_id("v-1");
    e.mutable_vote_opened()->mutable_round()->set_title("impostor");
    s.apply_raw(e);
    e = hand_made(ben);
    e.mutable_dot_placed()->set_vote_id("missing");
    e.mutable_dot_placed()->set_feature_id("f-1");
    e.mutable_dot_placed()->set_voter(ben.id);
    s.apply_raw(e);
    e = hand_made(ben);
    e.mutable_dot_removed()->set_vote_id("v-1");
    e.mutable_dot_removed()->set_feature_id("f-1");
    e.mutable_dot_removed()->set_voter(ben.id); // no such dot
    s.apply_raw(e);
    e = hand_made(ana);
    e.mutable_vote_closed()->set_vote_id("missing");
    s.apply_raw(e);
    e = hand_made(ana);
    e.mutable_session_ended()->set_session_id(12345);
    s.apply_raw(e);
    e = hand_made(ana);
    e.mutable_hand_called()->set_participant_id(ben.id); // not in the queue
    s.apply_raw(e);
    e = hand_made(ben);
    e.mutable_hand_raised()->set_raised(false); // not raised
    s.apply_raw(e);
    e = hand_made(ben);
    e.mutable_hand_raised()->set_raised(true);
    s.apply_raw(e);
    s.apply_raw(e); // raised twice: one hand in the queue
    e = hand_made(ana);
    e.mutable_agenda_step_opened()->set_step_id("missing");
    s.apply_raw(e);
    e = hand_made(ana);
    e.mutable_spotlight_changed()->set_feature_id("missing");
    s.apply_raw(e);
    e = hand_made(ana); // an event whose body this version does not know (a newer server)
    e.GetReflection()->MutableUnknownFields(&e)->AddLengthDelimited(99, "from the future");
    s.apply_raw(e);
    e = hand_made(ben); // an add with an id in use replaces the feature
    *e.mutable_feature_added()->mutable_feature() = [] {
        pb::Feature f;
        f.set_id("f-1");
        *f.mutable_geometry() = geometry(pb::FEATURE_KIND_NOTE, {{3.5, 3.5}});
        f.set_description("replaced");
        return f;
    }();
    s.apply_raw(e);
    e = hand_made(ana);
    e.mutable_session_ended()->set_session_id(s.state().data().current_session);
    s.apply_raw(e);
    s.apply_raw(e); // ended twice: the first end stays
    return s.finish();
}

golden_sequence layers_scenario()
{
    scenario_builder s("layers",
                       "reference layers added by the server on a person's behalf, renamed, recoloured, copied "
                       "into features (properties appended to the description, a long name cut to the short "
                       "text limit), removed; events apply never makes valid",
                       "living-lab");
    pb::ClientMessage add;
    pb::ReferenceLayer& layer = *add.mutable_add_layer()->mutable_layer();
    layer.set_id("L-parks");
    std::string name = "Grünflächen und Plätze im Quartier ";
    while (name.size() < 90)
        name += "ü";
    layer.set_name(name);
    layer.set_source_format("geojson");
    layer.set_source_name("parks.geojson");
    layer.mutable_style()->set_colour("#2e7d32");
    layer.add_notes("2 polygon holes were dropped: the map draws areas by their outer ring");
    {
        pb::LayerFeature& park = *layer.add_features();
        *park.mutable_geometry() = geometry(pb::FEATURE_KIND_POINT, {{13.40, 52.50}});
        park.set_title("Stadtpark 🌳");
        park.set_description("Der große Park");
        auto* kind = park.add_properties();
        kind->set_key("kategorie");
        kind->set_value("Park");
        auto* area = park.add_properties();
        area->set_key("fläche_ha");
        area->set_value("12.5");
        pb::LayerFeature& route = *layer.add_features();
        *route.mutable_geometry() = geometry(pb::FEATURE_KIND_LINE, {{13.40, 52.50}, {13.41, 52.51}});
        route.set_title("Radweg");
        pb::LayerFeature& square = *layer.add_features();
        *square.mutable_geometry() = geometry(pb::FEATURE_KIND_AREA, {{13.40, 52.50}, {13.41, 52.50}, {13.41, 52.51}});
        auto* only = square.add_properties();
        only->set_key("name_pt");
        only->set_value("Praça");
    }
    model::actor importer = ben;
    importer.role = pb::ROLE_ADMIN; // as room::submit_on_behalf sends it
    importer.ballot_id.clear();
    s.run(add, importer);
    s.refused(add, ana, pb::ERROR_CODE_PERMISSION_DENIED);

    pb::ClientMessage second = add;
    second.mutable_add_layer()->mutable_layer()->set_id("L-stops");
    second.mutable_add_layer()->mutable_layer()->set_name("Haltestellen");
    second.mutable_add_layer()->mutable_layer()->clear_style();
    s.run(second, admin());

    pb::ClientMessage rename;
    rename.mutable_update_layer()->set_layer_id("L-stops");
    rename.mutable_update_layer()->set_name("Bus stops · paragens");
    s.run(rename, ana);
    pb::ClientMessage recolour;
    recolour.mutable_update_layer()->set_layer_id("L-parks");
    recolour.mutable_update_layer()->mutable_style()->set_colour("#1565c0");
    s.run(recolour, eve);

    pb::ClientMessage copy;
    copy.mutable_copy_layer_features()->set_layer_id("L-parks");
    for (std::uint32_t i : {0u, 2u})
        copy.mutable_copy_layer_features()->add_indexes(i);
    for (const char* id : {"f-park", "f-praca"})
        copy.mutable_copy_layer_features()->add_feature_ids(id);
    s.run(copy, ana);
    s.refused(copy, ana, pb::ERROR_CODE_FEATURE_EXISTS);
    s.refused(copy, ben, pb::ERROR_CODE_PERMISSION_DENIED);
    s.run(update_feature("f-park", patch_title("Stadtpark (Kopie)")), ana);

    pb::ClientMessage remove;
    remove.mutable_remove_layer()->set_layer_id("L-stops");
    remove.mutable_remove_layer()->set_reason("wrong city");
    s.run(remove, ana);
    s.refused(remove, ana, pb::ERROR_CODE_LAYER_NOT_FOUND);

    // Apply only: what validate never makes.
    auto raw = [&](auto fill) {
        pb::Event e;
        e.set_actor_id(ana.id);
        e.set_actor_name(ana.name);
        fill(e);
        s.apply_raw(e);
    };
    raw([](pb::Event& e) { e.mutable_layer_removed()->set_layer_id("missing"); });
    raw([](pb::Event& e) { e.mutable_layer_changed()->set_layer_id("missing"); });
    raw([](pb::Event& e) { e.mutable_layer_changed()->set_layer_id("L-parks"); }); // changes nothing
    raw([](pb::Event& e) {
        auto& c = *e.mutable_layer_features_copied();
        c.set_layer_id("L-parks");
        for (std::uint32_t i : {1u, 9u, 0u, 1u})
            c.add_indexes(i);
        for (const char* id :
             {"f-radweg", "f-none", "f-park"}) // 9 is out of range, f-park is taken, the last has no id
            c.add_feature_ids(id);
    });
    raw([](pb::Event& e) {
        auto& c = *e.mutable_layer_features_copied();
        c.set_layer_id("missing");
        c.add_indexes(0);
        c.add_feature_ids("f-ghost");
    });
    raw([](pb::Event& e) { // a second layer with an id in use: the first stays
        e.mutable_layer_added()->mutable_layer()->set_id("L-parks");
        e.mutable_layer_added()->mutable_layer()->set_name("impostor");
    });
    return s.finish();
}

} // namespace

std::vector<golden_sequence> make_all_scenarios()
{
    return {features_scenario(), chat_scenario(),     moderation_scenario(), threads_scenario(), workshop_scenario(),
            voting_scenario(),   sessions_scenario(), totality_scenario(),   layers_scenario()};
}

} // namespace maptable::golden
