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

}  // namespace

checked<page_request> parse_page_request(std::string_view query) {
  auto fields = parse_form(query);
  if (!fields) return std::unexpected(invalid_query("query string: " + fields.error()));
  page_request page{default_page_limit, std::nullopt};
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
  if (auto value = field(*fields, "cursor")) {
    bool well_formed = !value->empty() && value->size() <= max_cursor_length &&
                       std::all_of(value->begin(), value->end(), cursor_character);
    if (!well_formed) {
      return std::unexpected(invalid_query("query parameter cursor must be 1 to " + std::to_string(max_cursor_length) +
                                           " characters of A-Z, a-z, 0-9, '_', '.', '~' and '-'"));
    }
    page.cursor = std::string{*value};
  }
  return page;
}

}  // namespace ttareungyi::http
