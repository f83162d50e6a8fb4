// Layer: webhook (pure). Signing as Standard Webhooks specifies
// (https://www.standardwebhooks.com): a secret "whsec_<base64 of the key>",
// and "v1,<base64 of HMAC-SHA256(key, id + "." + timestamp + "." + body)>"
// in the webhook-signature header. docs/WEBHOOKS.md shows how a receiver
// checks it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace maptable::webhook {

inline constexpr std::string_view secret_prefix = "whsec_";

// A new endpoint secret: "whsec_" + base64 of 24 random bytes (OpenSSL's
// RAND_bytes). Throws std::runtime_error when no randomness is available.
std::string new_secret();

// The HMAC key a secret stands for (the bytes after "whsec_", base64
// decoded); nullopt when secret is not of that form.
std::optional<std::string> secret_key(std::string_view secret);

// "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" with the key of secret
// (the secret's own bytes when it is not of the whsec_ form).
std::string sign(std::string_view secret, std::string_view id, std::int64_t timestamp, std::string_view body);

// Standard base64 with padding, and its inverse (nullopt on bad input).
std::string base64(std::string_view bytes);
std::optional<std::string> unbase64(std::string_view text);

} // namespace maptable::webhook
