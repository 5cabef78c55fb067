#pragma once
// A JSON object written straight into a string, for the hot answers (GET /v1/rentals/current)
// where building an nlohmann document first costs more than the rest of the request. Strings
// are escaped as RFC 8259 requires; bytes that are not valid UTF-8 are replaced by U+FFFD, as
// nlohmann's dump(..., error_handler_t::replace) does for every other answer.
#include <cstdint>
#include <string>
#include <string_view>

namespace ttareungyi::http {

class json_object_writer {
 public:
  json_object_writer() { out_.reserve(256); out_ += '{'; }
  json_object_writer& field(std::string_view name, std::string_view value);
  json_object_writer& field(std::string_view name, std::int64_t value);
  // The finished text; the writer is spent.
  std::string finish();

 private:
  void name(std::string_view n);
  std::string out_;
  bool first_ = true;
};

// Appends `s` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view s);

}  // namespace ttareungyi::http
