#include "csv_records.hpp"

#include <doctest/doctest.h>

namespace maptable::test {

std::vector<std::vector<std::string>> parse_csv(const std::string& text)
{
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '"') {
            ++i;
            for (;;) {
                REQUIRE_MESSAGE(i < text.size(), "unterminated quoted field");
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += text[i++];
            }
        }
        while (i < text.size() && text[i] != ',' && text[i] != '\r') {
            REQUIRE_MESSAGE(text[i] != '"', "a quote inside an unquoted field");
            REQUIRE_MESSAGE(text[i] != '\n', "a bare LF ends a record (RFC 4180 wants CRLF)");
            field += text[i++];
        }
        if (i < text.size() && text[i] == ',') {
            row.push_back(std::move(field));
            field.clear();
            ++i;
            continue;
        }
        REQUIRE_MESSAGE(i + 1 < text.size(), "the last record must end with CRLF");
        REQUIRE(text[i + 1] == '\n');
        row.push_back(std::move(field));
        field.clear();
        rows.push_back(std::move(row));
        row.clear();
        i += 2;
    }
    return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name)
{
    for (std::size_t i = 0; i < header.size(); ++i)
        if (header[i] == name)
            return i;
    FAIL("no column " << name);
    return 0;
}

} // namespace maptable::test
