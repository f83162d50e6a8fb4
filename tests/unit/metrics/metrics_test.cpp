// Layer: metrics. The instruments count what they are given, and the
// exposition is Prometheus text a scraper can parse: HELP and TYPE before
// each family, cumulative buckets ending in +Inf, _sum and _count.
#include "metrics/metrics.hpp"

#include <doctest/doctest.h>

#include <string>

namespace metrics = maptable::metrics;

namespace {

const char* names(int field)
{
    switch (field) {
    case 11: return "add_feature";
    case 14: return "send_chat";
    default: return nullptr;
    }
}

bool has_line(const std::string& text, const std::string& line)
{
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

} // namespace

TEST_CASE("a histogram's buckets are cumulative and end in +Inf")
{
    metrics::histogram h{1, 5, 10};
    h.observe(0.5);
    h.observe(1); // on the bound: in the bucket le="1"
    h.observe(7);
    h.observe(100); // above every bound: only +Inf
    const auto s = h.read();
    REQUIRE(s.cumulative.size() == 4);
    CHECK(s.cumulative[0] == 2);
    CHECK(s.cumulative[1] == 2);
    CHECK(s.cumulative[2] == 3);
    CHECK(s.cumulative[3] == 4);
    CHECK(s.count == 4);
    CHECK(s.sum == doctest::Approx(108.5));
}

TEST_CASE("the exposition names every instrument with its labels")
{
    metrics::instruments m;
    m.connections.add(3);
    m.connections.add(-1);
    m.rooms_loaded.set(2);
    m.commands.add(11, 5);
    m.commands.add(14);
    m.commands.add(99); // out of range: ignored, never a crash
    m.resumes.add(static_cast<std::size_t>(metrics::resume_outcome::recovered), 4);
    m.ack_seconds.observe(0.003);
    m.slow_consumer_closes.add();

    const std::string text = metrics::render(m, names);
    CHECK(has_line(text, "# TYPE maptable_connections gauge"));
    CHECK(has_line(text, "maptable_connections 2"));
    CHECK(has_line(text, "maptable_rooms_loaded 2"));
    CHECK(has_line(text, "maptable_commands_total{command=\"add_feature\"} 5"));
    CHECK(has_line(text, "maptable_commands_total{command=\"send_chat\"} 1"));
    CHECK(text.find("command=\"\"") == std::string::npos); // field numbers without a name are left out
    CHECK(has_line(text, "maptable_resumes_total{outcome=\"recovered\"} 4"));
    CHECK(has_line(text, "maptable_slow_consumer_closes_total 1"));
    CHECK(has_line(text, "# TYPE maptable_ack_seconds histogram"));
    CHECK(has_line(text, "maptable_ack_seconds_bucket{le=\"0.002\"} 0"));
    CHECK(has_line(text, "maptable_ack_seconds_bucket{le=\"0.005\"} 1"));
    CHECK(has_line(text, "maptable_ack_seconds_bucket{le=\"+Inf\"} 1"));
    CHECK(has_line(text, "maptable_ack_seconds_count 1"));
    // Every sample line belongs to a family announced by a TYPE line before it.
    std::size_t at = 0;
    while ((at = text.find("\nmaptable_", at)) != std::string::npos) {
        const std::size_t end = text.find_first_of(" {", at + 1);
        std::string family = text.substr(at + 1, end - at - 1);
        for (const char* suffix : {"_bucket", "_sum", "_count"})
            if (family.size() > std::string(suffix).size() &&
                family.compare(family.size() - std::string(suffix).size(), std::string::npos, suffix) == 0 &&
                text.find("# TYPE " + family.substr(0, family.size() - std::string(suffix).size()) + " histogram") !=
                    std::string::npos)
                family.resize(family.size() - std::string(suffix).size());
        CAPTURE(family);
        const std::size_t type_at = text.find("# TYPE " + family + " ");
        CHECK(type_at != std::string::npos);
        CHECK(type_at < at);
        ++at;
    }
}
