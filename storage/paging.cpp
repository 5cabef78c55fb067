#include "paging.hpp"

#include <optional>
#include <utility>

#include "errors.hpp"

namespace ttareungyi::storage::paging {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::optional<unsigned> digit(char c) {
  auto i = alphabet.find(c);
  if (i == std::string_view::npos) return std::nullopt;
  return static_cast<unsigned>(i);
}

std::string encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  unsigned bits = 0;
  int held = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    held += 8;
    while (held >= 6) {
      held -= 6;
      out.push_back(alphabet[(bits >> held) & 0x3f]);
    }
  }
  if (held > 0) out.push_back(alphabet[(bits << (6 - held)) & 0x3f]);
  return out;
}

// Only the text encode makes: no padding, no stray bits in the last digit.
std::optional<std::string> decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned bits = 0;
  int held = 0;
  for (char c : text) {
    auto d = digit(c);
    if (!d) return std::nullopt;
    bits = (bits << 6) | *d;
    held += 6;
    if (held >= 8) {
      held -= 8;
      out.push_back(static_cast<char>((bits >> held) & 0xff));
    }
  }
  if ((bits & ((1u << held) - 1)) != 0) return std::nullopt;
  return out;
}

ports::storage_error invalid(std::string_view cursor) {
  return ports::storage_error{"not a cursor of this listing: '" + printable(cursor.substr(0, max_cursor)) + "'", true};
}

}  // namespace

ports::stored<std::string> make(char kind, std::string_view position) {
  std::string cursor{kind};
  cursor += '.';
  cursor += encode(position);
  if (cursor.size() > max_cursor)
    return std::unexpected(ports::storage_error{"a listing position is too long for a cursor"});
  return cursor;
}

ports::stored<std::string> read(char kind, std::string_view cursor, std::size_t min_size) {
  if (cursor.size() > max_cursor || cursor.size() < 2 || cursor[0] != kind || cursor[1] != '.')
    return std::unexpected(invalid(cursor));
  auto position = decode(cursor.substr(2));
  if (!position || position->size() < min_size) return std::unexpected(invalid(cursor));
  return std::move(*position);
}

}  // namespace ttareungyi::storage::paging
