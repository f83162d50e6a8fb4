// Test harness: one-shot HTTP(S) requests to a server on loopback, with any
// headers (Origin, Authorization, WebSocket upgrade headers), and a
// self-signed certificate for TLS tests. Beast stays in the .cpp.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maptable::test {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_reply {
    int status = 0;
    std::string body;
    header_list headers;
    // The first header of that name (case-insensitive), or "".
    std::string header(std::string_view name) const;
};

// Trust for an https:// request: the CA (here: the self-signed certificate)
// and the name the certificate must be valid for.
struct tls_trust {
    std::string ca_file;
    std::string host_name = "localhost";
};

// One request (GET target) on a fresh connection to 127.0.0.1:port, over TLS
// when tls is given; the connection is closed after the reply. Throws
// std::system_error when the connection or the TLS handshake fails.
http_reply http_request(unsigned short port, const std::string& target, const header_list& headers = {},
                        const tls_trust* tls = nullptr);

// A WebSocket upgrade request for /v1/ws with the given extra headers. The
// status is 101 when the server accepted the upgrade (the connection is then
// closed at once).
http_reply upgrade_request(unsigned short port, const header_list& headers = {}, const tls_trust* tls = nullptr);

// Writes a fresh self-signed certificate (CN and subjectAltName localhost and
// 127.0.0.1, valid for a day) and its private key as PEM files.
void write_self_signed_certificate(const std::filesystem::path& cert_file, const std::filesystem::path& key_file);

} // namespace maptable::test
