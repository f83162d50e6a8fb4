// Layer: client (command-line tool). One HTTP(S) request to the server's
// admin and export API. Beast stays in http_call.cpp (it compiles slowly).
#pragma once

#include <string>

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

} // namespace maptable::cli
