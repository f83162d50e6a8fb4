// Test harness: reading the CSV files the exports write, strictly.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace maptable::test {

// RFC 4180: records of fields; quoted fields may hold commas, CRLF and "".
// Fails the test on a malformed file (a quote inside an unquoted field, an
// unterminated quote, a line end other than CRLF).
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

// The index of the column called name in a header row; fails the test when
// there is none.
std::size_t column(const std::vector<std::string>& header, const std::string& name);

} // namespace maptable::test
