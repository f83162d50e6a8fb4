// Layer: model (pure, shared by server and SDK).
// Content limits of the room state machine. They bound what one command may
// carry, so that a hostile or buggy client cannot make a room's state, its log
// or its Welcome grow without bound through one message.
#pragma once

#include <cstddef>
#include <cstdint>

namespace maptable::model {

struct content_limits {
    std::size_t max_feature_id_bytes = 64; // ids are names, not payloads
    std::size_t max_positions =
        2000; // a detailed district outline fits, and so does the frame (2000 x 20 bytes < 64 KiB)
    std::size_t max_title_chars = 200;        // a title is a line on a label
    std::size_t max_description_chars = 5000; // a few paragraphs of notes
    std::size_t max_short_text_chars = 64;    // category, layer
    std::size_t max_chat_chars = 4000;        // a long chat message, not a document
    std::size_t recent_chat = 200;            // chat kept in the state (older comes from history)
    std::uint32_t max_history_page = 200;     // chat messages per history request
    std::uint32_t default_history_page = 50;
    double max_zoom = 24; // deeper than any tile server serves
    // A reference layer is in every Welcome: about 1 MB at most of positions
    // (20 bytes each), and no more markers than a map can show clustered.
    std::size_t max_layer_features = 5000;
    std::size_t max_layer_vertices = 50'000;
    std::size_t max_layers = 20; // per room: a legend that still fits a phone
};

// The limits in force. One set for the whole process: validation must give
// the same answer on the server and in every client.
const content_limits& limits();

} // namespace maptable::model
