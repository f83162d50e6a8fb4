#include "auth/ballot.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

namespace maptable::auth {
namespace {

using mac = std::array<unsigned char, 32>;

mac hmac_sha256(std::string_view key, std::string_view data)
{
    // HMAC() refuses a null key pointer even for length 0; a static byte is never null.
    static const unsigned char no_key = 0;
    const auto* key_bytes = key.empty() ? &no_key : reinterpret_cast<const unsigned char*>(key.data());
    mac out{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key_bytes, int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
             out.data(), &length) == nullptr ||
        length != out.size())
        throw std::runtime_error("ballot_id: HMAC-SHA256 failed");
    return out;
}

// The label keeps ballot ids apart from every other use of the secret.
constexpr std::string_view sub_key_label = "maptable ballot id v1";
constexpr std::size_t id_bytes = 8; // 64 bits: no collision among the participants of any room

} // namespace

std::string ballot_id(std::string_view secret, std::string_view room_id, std::string_view participant_id)
{
    const mac sub_key = hmac_sha256(secret, sub_key_label);
    std::string input;
    input.reserve(room_id.size() + 1 + participant_id.size());
    input.append(room_id).append(1, '\n').append(participant_id);
    const mac id = hmac_sha256(std::string_view(reinterpret_cast<const char*>(sub_key.data()), sub_key.size()), input);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(id_bytes * 2);
    for (std::size_t i = 0; i < id_bytes; ++i) {
        out.push_back(hex[id[i] >> 4]);
        out.push_back(hex[id[i] & 0x0f]);
    }
    return out;
}

} // namespace maptable::auth
