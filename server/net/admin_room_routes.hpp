// Layer: net (handlers). The rooms of the admin API (docs/API.md): create,
// list, read, change, archive and reopen rooms, and mint invitations (join
// tokens with a link) for them. Reached through handle_admin_request, which
// has already checked the admin key.
//
// A room's info is not written anywhere but its log: every change is an
// UpdateRoomInfo (or ArchiveRoom) command submitted to the room as the admin
// role, so every client's replica gets it and the state machine enforces it
// (bounds refuse features outside them). The catalog only lists the rooms
// created here, with a copy of their info for listing.
#pragma once

#include "net/admin_routes.hpp"
#include "store/room_catalog.hpp"

#include <boost/asio/strand.hpp>

#include <mutex>
#include <optional>
#include <string>

namespace maptable::session {

// What the admin API's rooms, invitations and exports need beyond the
// server_context (server_context::admin_api). Set up by app/server.
struct admin_api_config {
    store::room_catalog* catalog = nullptr; // owned by app/server, outlives every connection
    std::string public_url;                 // "https://maps.example.org": invitation links start with it

    // Where every call of the catalogue runs: one strand of the work pool
    // (server_context::work). The catalogue is not thread-safe, and its
    // SQLite calls may wait out a busy timeout, which no event loop may do.
    // Made at the first call; context must be the server's, whose work
    // executor outlives every connection.
    boost::asio::strand<boost::asio::any_io_executor>& catalog_lane(const server_context& context) const
    {
        std::call_once(lane_made_, [&] { lane_.emplace(boost::asio::make_strand(context.work)); });
        return *lane_;
    }

private:
    mutable std::once_flag lane_made_;
    mutable std::optional<boost::asio::strand<boost::asio::any_io_executor>> lane_;
};

} // namespace maptable::session

namespace maptable::net {

// Whether path is /v1/admin/rooms or below it.
bool is_admin_room_path(std::string_view path);

// Answers one request under /v1/admin/rooms (the admin key already checked).
// Same contract as handle_admin_request: done once, on reply_on.
void handle_admin_room_request(const admin_request& req, session::server_context& context,
                               boost::asio::any_io_executor reply_on, std::uint64_t connection_id,
                               std::function<void(admin_response)> done);

} // namespace maptable::net
