#pragma once
// Internal: how the adapter reports failures. Every port call answers a storage_error, never an
// exception; record keys appear in messages with their binary bytes escaped.
#include <rocksdb/status.h>

#include <exception>
#include <expected>
#include <string>
#include <string_view>

#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::storage {

using ports::storage_error;
using ports::stored;

// Bytes as text: printable ASCII as is, everything else (and '\') as \xNN.
inline std::string printable(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

inline storage_error failed(std::string_view what, const rocksdb::Status& s) {
  return storage_error{std::string{what} + ": " + s.ToString()};
}

inline storage_error corrupt(std::string_view family_name, std::string_view key, std::string_view why) {
  return storage_error{"corrupt record " + std::string{family_name} + "/" + printable(key) + ": " + std::string{why}};
}

// Runs f, turning any exception into a storage_error.
template <class F>
auto guarded(std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return std::unexpected(storage_error{std::string{what} + ": " + e.what()});
  } catch (...) {
    return std::unexpected(storage_error{std::string{what} + ": unknown failure"});
  }
}

}  // namespace ttareungyi::storage
