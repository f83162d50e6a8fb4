#include "net/layer_routes.hpp"

namespace maptable::net {

bool is_layer_path(std::string_view)
{
    return false;
}

void handle_layer_request(admin_request req, session::server_context&, boost::asio::any_io_executor, std::uint64_t,
                          std::function<void(admin_response)> done)
{
    admin_response res{boost::beast::http::status::not_found, req.version()};
    res.set(boost::beast::http::field::content_type, "application/json");
    res.body() = R"({"error":"not found"})";
    res.prepare_payload();
    done(std::move(res));
}

upload_header_verdict check_layer_upload_header(const session::server_context&, const admin_request&)
{
    return std::monostate{};
}

std::size_t layer_upload_limit(const session::server_context&)
{
    return 0;
}

admin_response layer_too_large(const session::server_context&, unsigned version)
{
    admin_response res{boost::beast::http::status::payload_too_large, version};
    res.set(boost::beast::http::field::content_type, "application/json");
    res.body() = R"({"error":"the file is over the limit"})";
    res.prepare_payload();
    return res;
}

} // namespace maptable::net
