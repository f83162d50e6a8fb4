// The data dir's guard around the event log's file: the marker written on a
// first start, and the starts it refuses (a database missing, emptied or
// replaced) unless --init asks for a new one. Real files in a temp dir.
#include "store/database_file.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace maptable::store;
using maptable::store::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

std::string marker_id(const std::string& data_dir)
{
    std::ifstream in(marker_path(data_dir));
    std::string line, id;
    while (std::getline(in, line))
        if (!line.empty() && line.front() != '#')
            id = line;
    return id;
}

std::string open_and_close(const std::string& data_dir, bool init = false)
{
    auto log = open_server_log(data_dir, {.mode = durability::normal, .init = init});
    return log->database_id();
}

} // namespace

TEST_CASE("a first start creates the database and a marker naming it; later starts accept it")
{
    temp_dir dir;
    const auto data_dir = (dir.path() / "data").string(); // created on the way
    const auto id = open_and_close(data_dir);
    CHECK_FALSE(id.empty());
    CHECK(marker_id(data_dir) == id);
    CHECK(open_and_close(data_dir) == id);
}

TEST_CASE("a data dir from before markers gets one for the database it holds")
{
    temp_dir dir;
    const auto data_dir = dir.path().string();
    std::string id;
    {
        sqlite_event_log log(database_path(data_dir));
        id = log.database_id();
    }
    REQUIRE_FALSE(fs::exists(marker_path(data_dir)));
    CHECK(open_and_close(data_dir) == id);
    CHECK(marker_id(data_dir) == id);
}

TEST_CASE("a missing or empty database beside a marker is refused; --init creates a new one")
{
    temp_dir dir;
    const auto data_dir = dir.path().string();
    const auto first = open_and_close(data_dir);
    SUBCASE("missing")
    {
        fs::remove(database_path(data_dir));
    }
    SUBCASE("empty")
    {
        fs::resize_file(database_path(data_dir), 0);
    }
    try {
        open_and_close(data_dir);
        FAIL("a lost database was replaced by a new one without a word");
    } catch (const start_refused& e) {
        const std::string what = e.what();
        CHECK(what.find(database_path(data_dir)) != std::string::npos);
        CHECK(what.find(first) != std::string::npos);
        CHECK(what.find("--init") != std::string::npos);
    }
    const auto second = open_and_close(data_dir, true);
    CHECK(second != first);
    CHECK(marker_id(data_dir) == second);
    CHECK(open_and_close(data_dir) == second);
}

TEST_CASE("another database in place of the marker's is refused; --init accepts it")
{
    temp_dir dir;
    const auto ours = (dir.path() / "ours").string();
    const auto theirs = (dir.path() / "theirs").string();
    const auto our_id = open_and_close(ours);
    const auto their_id = open_and_close(theirs);
    fs::copy_file(database_path(theirs), database_path(ours), fs::copy_options::overwrite_existing);
    CHECK_THROWS_AS(open_and_close(ours), start_refused);
    CHECK(marker_id(ours) == our_id);
    CHECK(open_and_close(ours, true) == their_id);
    CHECK(marker_id(ours) == their_id);
}

TEST_CASE("a data dir that cannot take files is refused naming it and the cause")
{
    temp_dir dir;
    const auto file = dir.file("not-a-dir");
    std::ofstream(file) << "x";
    try {
        prepare_data_dir(file);
        FAIL("a file was taken for a directory");
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        CHECK(what.find(file) != std::string::npos);
        CHECK(what.find("Not a directory") != std::string::npos);
    }
}
