#include "webhook/signature.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace maptable::webhook;

TEST_CASE("a signature matches the Standard Webhooks test vector")
{
    // The example of the Standard Webhooks specification and its reference libraries.
    const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    CHECK(sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})") ==
          "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("a signature changes with the id, the timestamp, the body and the secret")
{
    const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const auto base = sign(secret, "room:1", 100, "{}");
    CHECK(sign(secret, "room:2", 100, "{}") != base);
    CHECK(sign(secret, "room:1", 101, "{}") != base);
    CHECK(sign(secret, "room:1", 100, "{ }") != base);
    CHECK(sign(new_secret(), "room:1", 100, "{}") != base);
    CHECK(sign(secret, "room:1", 100, "{}") == base);
}

TEST_CASE("a new secret is whsec_ and the base64 of 24 random bytes, never the same twice")
{
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const auto s = new_secret();
        CHECK(s.rfind("whsec_", 0) == 0);
        CHECK(s.size() == 6 + 32);
        const auto key = secret_key(s);
        REQUIRE(key.has_value());
        CHECK(key->size() == 24);
        seen.insert(s);
    }
    CHECK(seen.size() == 100);
}

TEST_CASE("secret_key refuses what is not whsec_ and base64")
{
    CHECK_FALSE(secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").has_value());
    CHECK_FALSE(secret_key("whsec_").has_value());
    CHECK_FALSE(secret_key("whsec_abc").has_value());
    CHECK_FALSE(secret_key("whsec_!!!!").has_value());
}

TEST_CASE("base64 round-trips bytes of every length, padding included")
{
    std::string bytes;
    for (int n = 0; n < 40; ++n) {
        const auto text = base64(bytes);
        CHECK(text.size() % 4 == 0);
        const auto back = unbase64(text);
        REQUIRE(back.has_value());
        CHECK(*back == bytes);
        bytes.push_back(static_cast<char>(n * 37));
    }
    CHECK(base64("foobar") == "Zm9vYmFy");
    CHECK(base64("fo") == "Zm8=");
    CHECK_FALSE(unbase64("Zm9").has_value());
}
