// Layer: client (command-line tool). One HTTP(S) request to the server's
// admin and export API. Beast stays in http_call.cpp (it compiles slowly).
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace maptable::cli {

struct http_answer {
    int status = 0;
    std::string body;
    std::string content_type;
};

// Sends `method` (GET, POST, ...) to url (http://host:port/path?query or
// https://, certificate and host name checked against the system's CAs)
// with "Authorization: Bearer <bearer>" when bearer is not empty and the
// body as application/json when it is not empty. Any status is returned;
// throws refused when the server cannot be reached or does not answer
// within answer_timeout.
http_answer http_call(const std::string& method, const std::string& url, const std::string& bearer,
                      const std::string& json_body = {});

// text as one segment of a URL's path: every byte beyond [A-Za-z0-9_.~-]
// percent-encoded, so a room or network id cannot add a path of its own.
inline std::string path_segment(std::string_view text)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

} // namespace maptable::cli
