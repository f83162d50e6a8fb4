#include "app/token_command.hpp"

#include "app/config.hpp"
#include "auth/join_token.hpp"
#include "store/clock.hpp"
#include "store/random_hex.hpp"

#include <iostream>
#include <stdexcept>

namespace maptable::app {
namespace {

// "Ana Souza" -> "ana-souza": the same name gives the same participant id,
// which is what a person re-minting their own token expects.
std::string subject_from_name(const std::string& name)
{
    std::string id;
    for (unsigned char c : name) {
        if (std::isalnum(c))
            id.push_back(static_cast<char>(std::tolower(c)));
        else if (!id.empty() && id.back() != '-')
            id.push_back('-');
    }
    while (!id.empty() && id.back() == '-')
        id.pop_back();
    return id.empty() ? "participant" : id.substr(0, 64);
}

// "t-" and 16 hex digits: the token's "jti", so that this one token can be
// revoked on its own (POST /v1/admin/revocations) without touching others.
std::string random_token_id()
{
    return "t-" + store::random_hex(8, "a token id");
}

} // namespace

int run_token_command(int argc, char** argv)
{
    int exit_code = 0;
    auto request = parse_token_args(argc, argv, exit_code);
    if (!request)
        return exit_code;
    const auto role = auth::parse_role(request->role);
    if (!role) {
        std::cerr << "maptable-server token: --role is facilitator, participant or observer\n";
        return 2;
    }
    try {
        auth::join_claims claims;
        claims.room = request->room;
        claims.subject = request->subject.empty() ? subject_from_name(request->name) : request->subject;
        claims.name = request->name;
        claims.role = *role;
        claims.issuer = request->issuer;
        claims.audience = request->audience;
        claims.expires_at = clock::now_seconds() + request->ttl_seconds;
        claims.token_id = random_token_id();
        std::cout << auth::mint_join_token(claims, resolve_secret(request->secret, request->data_dir)) << "\n";
        // The id goes to stderr, so that `$(maptable-server token ...)` still captures the token alone.
        std::cerr << "token id (jti): " << claims.token_id << " (expires_at " << claims.expires_at << ")\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "maptable-server token: " << e.what() << "\n";
        return 1;
    }
}

} // namespace maptable::app
