// The calendar file (RFC 5545): escaping, folding, the sessions' local times
// from the system's zoneinfo.
#include "network/ics.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace maptable;
namespace pb = maptable::v1;

namespace {

constexpr std::int64_t march_15_0900_utc = 1805101200; // 2027-03-15 09:00 UTC
constexpr std::int64_t july_15_0900_utc = 1815642000;  // 2027-07-15 09:00 UTC

bool valid_utf8_start(const std::string& line)
{
    return line.empty() || (static_cast<unsigned char>(line[0]) & 0xC0) != 0x80;
}

} // namespace

TEST_CASE("text is escaped as RFC 5545 says")
{
    CHECK(network::ics_escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne");
    CHECK(network::ics_escape("line\r\nnext") == "line\\nnext");
    CHECK(network::ics_escape(std::string("bell\a")) == "bell");
}

TEST_CASE("long lines are folded at 75 octets, never inside a UTF-8 character")
{
    std::string text = "DESCRIPTION:";
    for (int i = 0; i < 100; ++i)
        text += "é"; // two octets each
    const auto folded = network::ics_line(text);
    REQUIRE(folded.ends_with("\r\n"));
    std::string unfolded;
    std::size_t at = 0;
    int lines = 0;
    while (at < folded.size()) {
        const auto end = folded.find("\r\n", at);
        REQUIRE(end != std::string::npos);
        auto line = folded.substr(at, end - at);
        CHECK(line.size() <= 75);
        if (lines > 0) {
            REQUIRE(line.starts_with(" "));
            line.erase(0, 1);
        }
        CHECK(valid_utf8_start(line));
        unfolded += line;
        ++lines;
        at = end + 2;
    }
    CHECK(lines > 2);
    CHECK(unfolded == text);
    CHECK(network::ics_line("SHORT") == "SHORT\r\n");
}

TEST_CASE("offsets come from the system's zoneinfo, daylight saving included")
{
    CHECK(network::utc_offset("UTC", march_15_0900_utc) == 0);
    CHECK(network::utc_offset("Europe/Lisbon", march_15_0900_utc) == 0);
    CHECK(network::utc_offset("Europe/Lisbon", july_15_0900_utc) == 3600);
    CHECK(network::utc_offset("Europe/Berlin", march_15_0900_utc) == 3600);
    CHECK(network::utc_offset("Africa/Johannesburg", july_15_0900_utc) == 7200);
    CHECK(network::utc_offset("America/Sao_Paulo", march_15_0900_utc) == -3 * 3600);
    CHECK_FALSE(network::utc_offset("Nowhere/Atlantis", march_15_0900_utc).has_value());
    CHECK_FALSE(network::utc_offset("../../etc/passwd", march_15_0900_utc).has_value());
}

TEST_CASE("a session is a VEVENT in its own time zone")
{
    pb::NetworkState state;
    state.mutable_network()->set_id("spaces");
    state.mutable_network()->set_title("Safe spaces, for all");
    auto* s = state.add_sessions();
    s->set_id("kickoff");
    s->set_room_id("plenary");
    s->set_title("Kick-off");
    s->set_starts_ms(july_15_0900_utc * 1000);
    s->set_ends_ms((july_15_0900_utc + 3600) * 1000);
    s->set_time_zone("Europe/Lisbon");
    s->add_agenda("Welcome");
    s->add_agenda("Questions; answers");
    const auto ics = network::sessions_calendar(state, "https://maps.example.org", 0);
    CHECK(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    CHECK(ics.ends_with("END:VCALENDAR\r\n"));
    CHECK(ics.find("X-WR-CALNAME:Safe spaces\\, for all\r\n") != std::string::npos);
    CHECK(ics.find("UID:kickoff@spaces.maptable\r\n") != std::string::npos);
    CHECK(ics.find("DTSTART;TZID=Europe/Lisbon:20270715T100000\r\n") != std::string::npos);
    CHECK(ics.find("DTEND;TZID=Europe/Lisbon:20270715T110000\r\n") != std::string::npos);
    CHECK(ics.find("DTSTAMP:19700101T000000Z\r\n") != std::string::npos);
    CHECK(ics.find("DESCRIPTION:1. Welcome\\n2. Questions\\; answers\r\n") != std::string::npos);
    CHECK(ics.find("URL:https://maps.example.org/#room=plenary\r\n") != std::string::npos);
}
