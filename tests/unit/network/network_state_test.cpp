// A network's record as a state machine (model/network_state.hpp): what each
// change needs, what it refuses and with which code, the state its events
// fold into, and the role a network invitation gives in each kind of room.
#include "model/network_state.hpp"

#include <doctest/doctest.h>

#include <string>

namespace model = maptable::model;
namespace pb = maptable::v1;

namespace {

constexpr std::int64_t now = 1'800'000'000'000;

pb::NetworkEvent created(const std::string& id = "green-courtyards")
{
    pb::NetworkEvent change;
    auto* n = change.mutable_network_created()->mutable_network();
    n->set_id(id);
    n->set_title("Green courtyards");
    n->set_theme("Greening the inner courtyards of dense districts");
    n->add_languages("en");
    n->add_languages("de");
    n->add_languages("pt-BR");
    n->set_starts_on("2027-01-01");
    n->set_ends_on("2029-12-31");
    return change;
}

pb::NetworkEvent city(const std::string& id, const std::string& name, const std::string& country, double lon,
                      double lat, bool update = false)
{
    pb::NetworkEvent change;
    auto* c = update ? change.mutable_city_updated()->mutable_city() : change.mutable_city_added()->mutable_city();
    c->set_id(id);
    c->set_name(name);
    c->set_country(country);
    c->mutable_position()->set_lon(lon);
    c->mutable_position()->set_lat(lat);
    c->set_living_lab_title("Living lab of " + name);
    return change;
}

pb::NetworkEvent accepted(const model::network_validation& v)
{
    if (const auto* r = std::get_if<model::rejection>(&v))
        FAIL("refused: " << r->message);
    return std::get<pb::NetworkEvent>(v);
}

pb::ErrorCode code_of(const model::network_validation& v)
{
    const auto* r = std::get_if<model::rejection>(&v);
    return r == nullptr ? pb::ERROR_CODE_UNSPECIFIED : r->code;
}

std::string message_of(const model::network_validation& v)
{
    const auto* r = std::get_if<model::rejection>(&v);
    return r == nullptr ? std::string() : r->message;
}

// Validates and applies; fails the test when refused.
void step(model::network_state& state, pb::NetworkEvent change)
{
    state.apply(accepted(state.validate(std::move(change), "admin", now)));
}

model::network_state three_cities()
{
    model::network_state state("green-courtyards");
    step(state, created());
    step(state, city("leipzig", "Leipzig", "DE", 12.37, 51.34));
    step(state, city("porto", "Porto", "PT", -8.61, 41.15));
    step(state, city("curitiba", "Curitiba", "BR", -49.27, -25.43));
    return state;
}

} // namespace

TEST_CASE("a network is created once, with its id, and then takes cities")
{
    model::network_state state("green-courtyards");
    CHECK_FALSE(state.exists());
    CHECK(code_of(state.validate(city("leipzig", "Leipzig", "DE", 12.37, 51.34), "admin", now)) ==
          pb::ERROR_CODE_NETWORK_NOT_FOUND);
    CHECK(code_of(state.validate(created("other-id"), "admin", now)) == pb::ERROR_CODE_INVALID_NETWORK);

    const auto event = accepted(state.validate(created(), "admin", now));
    CHECK(event.seq() == 1);
    CHECK(event.time_ms() == now);
    CHECK(event.actor_id() == "admin");
    state.apply(event);
    CHECK(state.exists());
    CHECK(state.network().title() == "Green courtyards");
    // Unset, a city member is an observer outside their living lab.
    CHECK(state.network().members_elsewhere() == pb::ROLE_OBSERVER);
    CHECK(code_of(state.validate(created(), "admin", now)) == pb::ERROR_CODE_NETWORK_EXISTS);

    step(state, city("leipzig", "Leipzig", "DE", 12.37, 51.34));
    CHECK(state.seq() == 2);
    REQUIRE(state.find_city("leipzig") != nullptr);
    CHECK(state.find_city("leipzig")->country() == "DE");
    CHECK(code_of(state.validate(city("leipzig", "Leipzig", "DE", 12.37, 51.34), "admin", now)) ==
          pb::ERROR_CODE_CITY_EXISTS);
}

TEST_CASE("a network's fields are checked, each refusal saying what is wrong")
{
    model::network_state state("green-courtyards");
    const auto refused = [&](auto edit, std::string_view words) {
        auto change = created();
        edit(*change.mutable_network_created()->mutable_network());
        const auto v = state.validate(change, "admin", now);
        CHECK(code_of(v) != pb::ERROR_CODE_UNSPECIFIED);
        CHECK_MESSAGE(message_of(v).find(words) != std::string::npos, message_of(v));
    };
    refused([](pb::Network& n) { n.set_title(""); }, "title");
    refused([](pb::Network& n) { n.set_starts_on("2027-02-30"); }, "YYYY-MM-DD");
    refused([](pb::Network& n) { n.set_ends_on("2026-12-31"); }, "before it starts");
    refused([](pb::Network& n) { n.add_languages("english"); }, "language");
    refused([](pb::Network& n) { n.set_members_elsewhere(pb::ROLE_FACILITATOR); }, "observer or participant");
    refused([](pb::Network& n) { n.set_id("green courtyards"); }, "id");
    // Leap days exist in leap years only.
    auto leap = created();
    leap.mutable_network_created()->mutable_network()->set_starts_on("2028-02-29");
    CHECK(code_of(state.validate(leap, "admin", now)) == pb::ERROR_CODE_UNSPECIFIED);
}

TEST_CASE("cities are checked: country code, position, name")
{
    auto state = three_cities();
    CHECK(code_of(state.validate(city("lyon", "Lyon", "fr", 4.83, 45.76), "admin", now)) ==
          pb::ERROR_CODE_INVALID_NETWORK);
    CHECK(code_of(state.validate(city("lyon", "Lyon", "FR", 4.83, 95.0), "admin", now)) ==
          pb::ERROR_CODE_INVALID_COORDINATE);
    CHECK(code_of(state.validate(city("lyon", " ", "FR", 4.83, 45.76), "admin", now)) == pb::ERROR_CODE_EMPTY_MESSAGE);
    CHECK(code_of(state.validate(city("nowhere", "Nowhere", "FR", 4.83, 45.76, true), "admin", now)) ==
          pb::ERROR_CODE_CITY_NOT_FOUND);

    step(state, city("porto", "Porto (Invicta)", "PT", -8.61, 41.15, true));
    CHECK(state.find_city("porto")->name() == "Porto (Invicta)");
    pb::NetworkEvent removal;
    removal.mutable_city_removed()->set_city_id("curitiba");
    step(state, removal);
    CHECK(state.find_city("curitiba") == nullptr);
    CHECK(state.cities().size() == 2);
    CHECK(code_of(state.validate(removal, "admin", now)) == pb::ERROR_CODE_CITY_NOT_FOUND);
}

TEST_CASE("an update changes only what it sets; an empty one is refused")
{
    auto state = three_cities();
    pb::NetworkEvent change;
    change.mutable_network_updated()->mutable_patch();
    CHECK(code_of(state.validate(change, "admin", now)) == pb::ERROR_CODE_EMPTY_PATCH);

    change.mutable_network_updated()->mutable_patch()->set_members_elsewhere(pb::ROLE_PARTICIPANT);
    change.mutable_network_updated()->mutable_patch()->set_ends_on("2030-06-30");
    step(state, change);
    CHECK(state.network().members_elsewhere() == pb::ROLE_PARTICIPANT);
    CHECK(state.network().ends_on() == "2030-06-30");
    CHECK(state.network().title() == "Green courtyards");
    CHECK(state.network().languages_size() == 3);

    // The period is checked against what the network has.
    pb::NetworkEvent early;
    early.mutable_network_updated()->mutable_patch()->set_ends_on("2026-01-01");
    CHECK(code_of(state.validate(early, "admin", now)) == pb::ERROR_CODE_INVALID_NETWORK);
}

TEST_CASE("planned sessions: checked, replaced by id, listed by start time, cancelled")
{
    auto state = three_cities();
    const auto session = [](const std::string& id, std::int64_t starts, std::string zone = "Europe/Lisbon") {
        pb::NetworkEvent change;
        auto* s = change.mutable_session_planned()->mutable_session();
        s->set_id(id);
        s->set_room_id("porto-lab");
        s->set_title("Peer consultation: Porto's courtyards");
        s->set_starts_ms(starts);
        s->set_ends_ms(starts + 2 * 3600 * 1000);
        s->set_time_zone(zone);
        s->add_agenda("Welcome");
        s->add_agenda("Porto presents its question");
        return change;
    };
    step(state, session("late", now + 86'400'000));
    step(state, session("early", now));
    auto proto = state.to_proto();
    REQUIRE(proto.sessions_size() == 2);
    CHECK(proto.sessions(0).id() == "early");
    CHECK(proto.sessions(1).id() == "late");

    CHECK(code_of(state.validate(session("bad-zone", now, "Lisbon time"), "admin", now)) ==
          pb::ERROR_CODE_INVALID_NETWORK);
    auto backwards = session("backwards", now);
    backwards.mutable_session_planned()->mutable_session()->set_ends_ms(now - 1);
    CHECK(message_of(state.validate(backwards, "admin", now)).find("ends after it starts") != std::string::npos);

    step(state, session("early", now + 2 * 86'400'000)); // moved: replaced, not added
    proto = state.to_proto();
    REQUIRE(proto.sessions_size() == 2);
    CHECK(proto.sessions(0).id() == "late");

    pb::NetworkEvent cancel;
    cancel.mutable_session_cancelled()->set_session_id("late");
    step(state, cancel);
    CHECK(state.sessions().size() == 1);
}

TEST_CASE("apply takes events in seq order only, and folds the same state from the same log")
{
    auto state = three_cities();
    model::network_state replayed("green-courtyards");
    model::network_state source("green-courtyards");
    std::vector<pb::NetworkEvent> log;
    for (auto change :
         {created(), city("leipzig", "Leipzig", "DE", 12.37, 51.34), city("porto", "Porto", "PT", -8.61, 41.15)}) {
        auto event = accepted(source.validate(change, "admin", now));
        source.apply(event);
        log.push_back(event);
    }
    CHECK_THROWS_AS(replayed.apply(log[1]), std::logic_error);
    for (const auto& event : log)
        replayed.apply(event);
    CHECK(replayed.to_proto().SerializeAsString() == source.to_proto().SerializeAsString());
}

TEST_CASE("a network invitation's role in each room of the network")
{
    const auto state = three_cities();
    const auto role = [&](const model::network_member& who, const model::room_place& room) {
        const auto r = model::role_in_room(who, room, state);
        if (const auto* refused = std::get_if<model::rejection>(&r))
            return refused->code == pb::ERROR_CODE_TOKEN_WRONG_NETWORK ? pb::ROLE_UNSPECIFIED : pb::ROLE_ADMIN;
        return std::get<pb::Role>(r);
    };
    const model::room_place leipzig_lab{"green-courtyards", pb::ROOM_KIND_LIVING_LAB, "leipzig"};
    const model::room_place porto_lab{"green-courtyards", pb::ROOM_KIND_LIVING_LAB, "porto"};
    const model::room_place workshop{"green-courtyards", pb::ROOM_KIND_WORKSHOP, ""};
    const model::room_place elsewhere{"river-fronts", pb::ROOM_KIND_WORKSHOP, ""};
    const model::room_place alone{"", pb::ROOM_KIND_UNSPECIFIED, ""};

    const model::network_member facilitator{"green-courtyards", "", pb::ROLE_FACILITATOR};
    const model::network_member leipzig_member{"green-courtyards", "leipzig", pb::ROLE_PARTICIPANT};
    const model::network_member expert{"green-courtyards", "", pb::ROLE_PARTICIPANT};
    const model::network_member observer{"green-courtyards", "porto", pb::ROLE_OBSERVER};

    CHECK(role(facilitator, leipzig_lab) == pb::ROLE_FACILITATOR);
    CHECK(role(facilitator, workshop) == pb::ROLE_FACILITATOR);
    CHECK(role(leipzig_member, leipzig_lab) == pb::ROLE_PARTICIPANT);
    CHECK(role(leipzig_member, porto_lab) == pb::ROLE_OBSERVER);
    CHECK(role(leipzig_member, workshop) == pb::ROLE_OBSERVER);
    CHECK(role(expert, porto_lab) == pb::ROLE_PARTICIPANT);
    CHECK(role(observer, porto_lab) == pb::ROLE_OBSERVER);
    // Another network's room, or a room of none: refused as the wrong network.
    CHECK(role(facilitator, elsewhere) == pb::ROLE_UNSPECIFIED);
    CHECK(role(leipzig_member, alone) == pb::ROLE_UNSPECIFIED);

    // When the network lets members take part elsewhere.
    auto open = three_cities();
    pb::NetworkEvent change;
    change.mutable_network_updated()->mutable_patch()->set_members_elsewhere(pb::ROLE_PARTICIPANT);
    open.apply(std::get<pb::NetworkEvent>(open.validate(change, "admin", now)));
    CHECK(std::get<pb::Role>(model::role_in_room(leipzig_member, workshop, open)) == pb::ROLE_PARTICIPANT);

    // A member of a city that left the network.
    const model::network_member lyon_member{"green-courtyards", "lyon", pb::ROLE_PARTICIPANT};
    const auto r = model::role_in_room(lyon_member, workshop, state);
    REQUIRE(std::holds_alternative<model::rejection>(r));
    CHECK(std::get<model::rejection>(r).code == pb::ERROR_CODE_CITY_NOT_FOUND);
}
