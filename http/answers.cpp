#include "answers.hpp"

#include "forms.hpp"

namespace ttareungyi::http {

response error_response(const domain::error& e) {
  if (e.kind == domain::error_kind::internal) {
    spdlog::warn("http: internal error {}: {}", code_of(e), e.detail);
  } else if (e.kind == domain::error_kind::unavailable) {
    spdlog::warn("http: unavailable {}: {}", code_of(e), e.detail);
  }
  return to_response(from_error(e));
}

response ok(const json& doc) { return json_response(200, dump(doc)); }

response created(const json& doc, std::string location) {
  auto r = json_response(201, dump(doc));
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

std::string location(std::string_view collection, std::string_view id) {
  return std::string{collection} + "/" + percent_encode(id);
}

}  // namespace ttareungyi::http
