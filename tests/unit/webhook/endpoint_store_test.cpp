#include "webhook/endpoint_store.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <random>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace maptable::webhook;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir()
    {
        std::random_device rd;
        path = fs::temp_directory_path() /
            ("maptable-webhook-store-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~temp_dir()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

endpoint sample(const std::string& id, const std::string& room)
{
    endpoint e;
    e.id = id;
    e.url = "https://hooks.example.org/" + id;
    e.room = room;
    e.kinds = {"chat", "vote.closed"};
    e.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    e.created_ms = 1000;
    return e;
}

} // namespace

TEST_CASE("registrations and delivery cursors survive closing and reopening webhooks.db")
{
    temp_dir dir;
    const auto file = dir.path / "webhooks.db";
    {
        endpoint_store store(file);
        store.add(sample("wh_a", "harbour"), 17);
        store.add(sample("wh_b", "square"), 0);
        auto deliveries = store.deliveries();
        REQUIRE(deliveries.size() == 2);
        auto d = deliveries[0];
        CHECK(d.endpoint_id == "wh_a");
        CHECK(d.cursor == 17);
        d.cursor = 20;
        d.attempts = 3;
        d.next_attempt_ms = 123456;
        d.status = delivery_status::dead;
        d.last_error = "seq 21: the receiver answered 500";
        d.delivered = 3;
        store.save(d);
    }
    // Owner-only: the file holds the signing secrets.
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 077) == 0);

    endpoint_store store(file);
    const auto endpoints = store.endpoints();
    REQUIRE(endpoints.size() == 2);
    CHECK(endpoints[0].id == "wh_a");
    CHECK(endpoints[0].url == "https://hooks.example.org/wh_a");
    CHECK(endpoints[0].scope == "room");
    CHECK(endpoints[0].room == "harbour");
    CHECK(endpoints[0].kinds == std::vector<std::string>{"chat", "vote.closed"});
    CHECK(endpoints[0].secret == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    const auto deliveries = store.deliveries();
    REQUIRE(deliveries.size() == 2);
    CHECK(deliveries[0].cursor == 20);
    CHECK(deliveries[0].attempts == 3);
    CHECK(deliveries[0].next_attempt_ms == 123456);
    CHECK(deliveries[0].status == delivery_status::dead);
    CHECK(deliveries[0].last_error == "seq 21: the receiver answered 500");
    CHECK(deliveries[0].delivered == 3);
    CHECK(deliveries[1].status == delivery_status::active);
}

TEST_CASE("removing an endpoint removes its deliveries; an unknown id removes nothing")
{
    temp_dir dir;
    endpoint_store store(dir.path / "webhooks.db");
    store.add(sample("wh_a", "harbour"), 0);
    store.add(sample("wh_b", "harbour"), 0);
    CHECK(store.remove("wh_a"));
    CHECK_FALSE(store.remove("wh_a"));
    CHECK_FALSE(store.remove("wh_nothing"));
    REQUIRE(store.endpoints().size() == 1);
    REQUIRE(store.deliveries().size() == 1);
    CHECK(store.deliveries()[0].endpoint_id == "wh_b");
}

TEST_CASE("a second registration with an id already used is refused and leaves nothing behind")
{
    temp_dir dir;
    endpoint_store store(dir.path / "webhooks.db");
    store.add(sample("wh_a", "harbour"), 0);
    CHECK_THROWS_AS(store.add(sample("wh_a", "square"), 5), std::runtime_error);
    CHECK(store.endpoints().size() == 1);
    CHECK(store.deliveries().size() == 1);
    CHECK(store.deliveries()[0].room == "harbour");
}

TEST_CASE("a file from a newer server is refused at open, and so is a place that cannot hold one")
{
    temp_dir dir;
    const auto file = dir.path / "webhooks.db";
    {
        endpoint_store store(file);
    }
    {
        // Raise the schema version as a newer server would.
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db, "PRAGMA user_version=2", nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    CHECK_THROWS_WITH_AS(endpoint_store{file}, doctest::Contains("newer"), std::runtime_error);
    CHECK_THROWS_AS(endpoint_store{dir.path / "missing-dir" / "webhooks.db"}, std::runtime_error);
}
