#include "paging.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "forms.hpp"

namespace ttareungyi::http {

namespace {

problem invalid_query(std::string detail) { return {400, "invalid_query", std::move(detail)}; }

bool cursor_character(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '~' || c == '-';
}

checked<std::optional<std::string>> cursor_of(const form_fields& fields) {
  auto value = field(fields, "cursor");
  if (!value) return std::nullopt;
  bool well_formed = !value->empty() && value->size() <= max_cursor_length &&
                     std::all_of(value->begin(), value->end(), cursor_character);
  if (!well_formed) {
    return std::unexpected(invalid_query("query parameter cursor must be 1 to " + std::to_string(max_cursor_length) +
                                         " characters of A-Z, a-z, 0-9, '_', '.', '~' and '-'"));
  }
  return std::string{*value};
}

}  // namespace

checked<std::optional<std::string>> parse_cursor(std::string_view query) {
  auto fields = parse_form(query);
  if (!fields) return std::unexpected(invalid_query("query string: " + fields.error()));
  return cursor_of(*fields);
}

checked<page_request> parse_page_request(std::string_view query) {
  auto fields = parse_form(query);
  if (!fields) return std::unexpected(invalid_query("query string: " + fields.error()));
  page_request page{.cursor = std::nullopt, .limit = default_page_limit};
  if (auto value = field(*fields, "limit")) {
    std::size_t limit = 0;
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), limit);
    if (value->empty() || ec != std::errc{} || end != value->data() + value->size() || limit < 1 ||
        limit > max_page_limit) {
      return std::unexpected(
          invalid_query("query parameter limit must be an integer from 1 to " + std::to_string(max_page_limit)));
    }
    page.limit = limit;
  }
  auto cursor = cursor_of(*fields);
  if (!cursor) return std::unexpected(std::move(cursor.error()));
  page.cursor = std::move(*cursor);
  return page;
}

}  // namespace ttareungyi::http
