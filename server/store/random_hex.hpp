// Layer: store. Random ids and secrets as lowercase hex: token ids ("t-" and
// 16 digits), generated subjects and room ids, the token secret, webhook and
// attachment ids. One home for every server layer that mints them; it lives
// in the store because that is the lowest layer all of them may include
// (tests/layering/check_layers.py). The SDK has its own, public
// (maptable::random_id in client.hpp): it may not include the server.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace maptable::store {

// `bytes` bytes from OpenSSL's CSPRNG as 2 × bytes hex digits. Throws
// std::runtime_error "no randomness for <purpose>" when the generator fails,
// rather than handing out a guessable id.
std::string random_hex(std::size_t bytes, std::string_view purpose = "an id");

} // namespace maptable::store
