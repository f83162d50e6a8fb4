// SDK connection logic, without sockets: the requests waiting for an answer,
// kept across reconnects and resent with their original ids.
#include "pending_requests.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::detail;

namespace {

// A request's bytes as the driver would send them: the id is inside.
std::string bytes_of(std::uint64_t id)
{
    pb::ClientMessage m;
    m.set_request_id(id);
    m.mutable_send_chat()->set_text(std::to_string(id));
    return m.SerializeAsString();
}

std::vector<std::uint64_t> ids_resent(const pending_requests<std::string>& p)
{
    std::vector<std::uint64_t> ids;
    for (const auto* bytes : p.resend()) {
        pb::ClientMessage m;
        REQUIRE(m.ParseFromString(*bytes));
        ids.push_back(m.request_id());
    }
    return ids;
}

void add(pending_requests<std::string>& p, std::uint64_t id)
{
    std::string done = "caller of ";
    done += std::to_string(id);
    REQUIRE(p.add(id, bytes_of(id), done));
}

} // namespace

TEST_CASE("after a resume every unanswered request is resent with its original id, in the order issued")
{
    pending_requests<std::string> p(100);
    for (std::uint64_t id : {1001, 1002, 1003, 1004})
        add(p, id);
    REQUIRE(p.take(1002));
    CHECK(ids_resent(p) == std::vector<std::uint64_t>{1001, 1003, 1004});
    // A second resume sends the same again: nothing is dropped by resending.
    CHECK(ids_resent(p) == std::vector<std::uint64_t>{1001, 1003, 1004});
    CHECK(p.size() == 3);
}

TEST_CASE("an ack takes its request off the books once; an unknown or repeated answer finds nothing")
{
    pending_requests<std::string> p(100);
    add(p, 7);
    auto done = p.take(7);
    REQUIRE(done);
    CHECK(*done == "caller of 7");
    CHECK(p.size() == 0);
    CHECK_FALSE(p.take(7));
    CHECK_FALSE(p.take(8));
}

TEST_CASE("an error fails its request, unless the room was unavailable and the client will resume")
{
    pending_requests<std::string> p(100);
    add(p, 1);
    add(p, 2);
    add(p, 3);
    std::optional<std::string> done;

    CHECK(p.on_error(1, pb::ERROR_CODE_LOCKED, true, done) == error_verdict::fail);
    CHECK(done == "caller of 1");
    CHECK_FALSE(p.contains(1));

    done.reset();
    CHECK(p.on_error(2, pb::ERROR_CODE_ROOM_UNAVAILABLE, true, done) == error_verdict::keep);
    CHECK_FALSE(done);
    CHECK(ids_resent(p) == std::vector<std::uint64_t>{2, 3});

    CHECK(p.on_error(2, pb::ERROR_CODE_ROOM_UNAVAILABLE, false, done) == error_verdict::fail);
    CHECK(done == "caller of 2");

    done.reset();
    CHECK(p.on_error(0, pb::ERROR_CODE_MALFORMED_MESSAGE, true, done) == error_verdict::unknown);
    CHECK(p.on_error(99, pb::ERROR_CODE_LOCKED, true, done) == error_verdict::unknown);
    CHECK_FALSE(done);
    CHECK(p.size() == 1);
}

TEST_CASE("past its capacity a request is refused and stays with the caller")
{
    pending_requests<std::string> p(2);
    add(p, 1);
    add(p, 2);
    std::string third = "caller of 3";
    CHECK_FALSE(p.add(3, bytes_of(3), third));
    CHECK(third == "caller of 3");
    CHECK(p.size() == 2);
    REQUIRE(p.take(1));
    CHECK(p.add(3, bytes_of(3), third));
}

TEST_CASE("the end fails everything, oldest first, and leaves nothing")
{
    pending_requests<std::string> p(10);
    add(p, 5);
    add(p, 3);
    add(p, 9);
    CHECK(p.take_all() == std::vector<std::string>{"caller of 3", "caller of 5", "caller of 9"});
    CHECK(p.size() == 0);
    CHECK(p.resend().empty());
}

TEST_CASE("request ids start from the clock (ms x 1024) and never repeat")
{
    request_ids ids(1'700'000'000'000);
    const auto first = ids.take();
    CHECK(first == 1'700'000'000'000ULL * 1024);
    CHECK(ids.take() == first + 1);
    request_ids later(1'700'000'000'001);
    CHECK(later.take() > first + 1);
}
