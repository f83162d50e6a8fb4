// Test harness: one-shot HTTP(S) requests to a server on loopback, with any
// headers (Origin, Authorization, WebSocket upgrade headers), calls to its
// HTTP API (admin, exports, replay), and a self-signed certificate for TLS
// tests. Beast stays in the .cpp, so the suites need not compile it.
#pragma once

#include <boost/json/value.hpp>

#include <filesystem>
#include <memory>
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

// A call to the server's HTTP API: the admin endpoints, exports, replay.
// Every member has a default, so a designated initializer may leave any out.
struct api_call {
    std::string method = "GET"; // any method name: GET, POST, PATCH, DELETE, ...
    std::string target = "/";
    // Sent as "Authorization: Bearer <bearer>" (the admin key or a join
    // token); "" sends no Authorization header.
    std::string bearer = "";
    // Sent with Content-Type content_type; "" sends no body.
    std::string body = "";
    std::string content_type = "application/json";
};

// Makes the call on a fresh plain-HTTP connection to 127.0.0.1:port, which
// is closed after the reply. Reads reply bodies of up to 16 MiB (an export of
// a busy room). Throws boost::system::system_error when the connection fails
// or the reply is not HTTP.
http_reply call_api(unsigned short port, const api_call& call);

// A reply's body as JSON; null when it is not JSON.
boost::json::value json_body(const http_reply& reply);

// A call whose request is written now and whose reply is read later: for a
// test that does other things while the server works on it.
class pending_call {
public:
    // Connects, writes the request and returns (throws like call_api).
    pending_call(unsigned short port, const api_call& call);
    ~pending_call();
    pending_call(const pending_call&) = delete;
    pending_call& operator=(const pending_call&) = delete;

    // Whether any byte of the reply has arrived (never waits).
    bool reply_started();

    // Waits for the whole reply; call once.
    http_reply finish();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Writes request to a fresh connection to 127.0.0.1:port exactly as given,
// and reads one reply. For requests the helpers above would not build, such
// as a Content-Length with no body after it.
http_reply raw_request(unsigned short port, const std::string& request);

// Writes a fresh self-signed certificate (CN and subjectAltName localhost and
// 127.0.0.1, valid for a day) and its private key as PEM files.
void write_self_signed_certificate(const std::filesystem::path& cert_file, const std::filesystem::path& key_file);

} // namespace maptable::test
