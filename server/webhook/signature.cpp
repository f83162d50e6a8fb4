// Layer: webhook (pure). HMAC-SHA256 signatures and secrets (OpenSSL).
#include "webhook/signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace maptable::webhook {

std::string base64(std::string_view bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<std::string> unbase64(std::string_view text)
{
    if (text.size() % 4 != 0)
        return std::nullopt;
    std::string out(3 * text.size() / 4, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0)
        return std::nullopt;
    // EVP_DecodeBlock counts the padding as zero bytes.
    std::size_t size = static_cast<std::size_t>(n);
    for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it)
        --size;
    out.resize(size);
    return out;
}

std::string new_secret()
{
    unsigned char key[24];
    if (RAND_bytes(key, sizeof key) != 1)
        throw std::runtime_error("no randomness for a webhook secret (RAND_bytes failed)");
    return std::string(secret_prefix) + base64(std::string_view(reinterpret_cast<const char*>(key), sizeof key));
}

std::optional<std::string> secret_key(std::string_view secret)
{
    if (!secret.starts_with(secret_prefix))
        return std::nullopt;
    auto key = unbase64(secret.substr(secret_prefix.size()));
    if (!key || key->empty())
        return std::nullopt;
    return key;
}

std::string sign(std::string_view secret, std::string_view id, std::int64_t timestamp, std::string_view body)
{
    const auto key = secret_key(secret).value_or(std::string(secret));
    std::string content;
    content.reserve(id.size() + body.size() + 24);
    content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(content.data()),
         content.size(), mac, &mac_size);
    return "v1," + base64(std::string_view(reinterpret_cast<const char*>(mac), mac_size));
}

} // namespace maptable::webhook
