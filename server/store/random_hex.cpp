// Layer: store. See random_hex.hpp.
#include "store/random_hex.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace maptable::store {

std::string random_hex(std::size_t bytes, std::string_view purpose)
{
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
        throw std::runtime_error("no randomness for " + std::string(purpose));
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * bytes);
    for (const unsigned char b : raw) {
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 15]);
    }
    return out;
}

} // namespace maptable::store
