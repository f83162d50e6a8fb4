#include "net/network_routes.hpp"

namespace maptable::net {

bool is_network_path(std::string_view)
{
    return false;
}

void handle_network_request(admin_request req, session::server_context&, boost::asio::any_io_executor, std::uint64_t,
                            std::function<void(admin_response)> done)
{
    admin_response res{boost::beast::http::status::not_found, req.version()};
    res.set(boost::beast::http::field::content_type, "application/json");
    res.body() = R"({"error":"not found"})";
    res.prepare_payload();
    done(std::move(res));
}

} // namespace maptable::net
