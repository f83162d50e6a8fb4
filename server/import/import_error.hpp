// Layer: import (pure: bytes in, a layer or an error out; no I/O).
//
// Why a file was refused. The code is for programs (the upload's HTTP reply,
// the app's choice of hint); the message is for the person who chose the
// file: it names the line or the feature where it can, says what was found
// and what would be accepted ("line 14: latitude 123.4 is outside −90…90").
// A message never echoes long or invalid-UTF-8 bytes of the file, so that it
// can go into a JSON reply or a Protobuf string as it is.
#pragma once

#include <string>
#include <string_view>

namespace maptable::imports {

enum class import_errc {
    empty,                 // no bytes, or only white space
    too_large,             // more bytes than import_limits::max_bytes, or a document too big to parse
    unknown_format,        // the content is none of the formats (or not the one asked for)
    malformed,             // not well-formed JSON, XML or CSV, or not the format's structure
    unsupported,           // valid, but something we do not read: a crs, a DOCTYPE, a projected file
    invalid_geometry,      // a geometry of the wrong shape (a line of one position, a ring of two)
    invalid_coordinate,    // a position outside WGS84 (lon −180…180, lat −90…90), or not a number
    invalid_text,          // text that is not valid UTF-8
    too_many_features,     // more than import_limits::max_features
    too_many_vertices,     // more positions in one geometry, or in the layer, than the limits
    too_much_text,         // a name, title, description or property over its limit; too many properties
    no_features,           // a well-formed file with nothing to show
    no_coordinate_columns, // CSV: no longitude or latitude column found
};

// The code's stable name ("too_large"): what the HTTP reply will carry.
const char* code_name(import_errc code);

struct import_error {
    import_errc code;
    std::string message;
};

} // namespace maptable::imports
