#include "problem.hpp"

#include <nlohmann/json.hpp>

namespace ttareungyi::http {

namespace {

bool reserved_member(std::string_view key) {
  return key == "type" || key == "title" || key == "status" || key == "detail" || key == "code" || key == "instance";
}

std::string_view default_code(domain::error_kind kind) {
  switch (kind) {
    case domain::error_kind::invalid: return "invalid_request";
    case domain::error_kind::not_found: return "not_found";
    case domain::error_kind::conflict: return "conflict";
    case domain::error_kind::declined: return "payment_declined";
    case domain::error_kind::unavailable: return "service_unavailable";
    case domain::error_kind::internal: return "internal_error";
  }
  return "internal_error";
}

}  // namespace

std::string_view to_string(domain::error_code code) noexcept {
  switch (code) {
    case domain::error_code::invalid_request: return "invalid_request";
    case domain::error_code::invalid_cursor: return "invalid_cursor";
    case domain::error_code::invalid_credentials: return "invalid_credentials";
    case domain::error_code::phone_taken: return "phone_taken";
    case domain::error_code::ticket_not_found: return "ticket_not_found";
    case domain::error_code::ticket_exists: return "ticket_exists";
    case domain::error_code::ticket_not_payable: return "ticket_not_payable";
    case domain::error_code::ticket_not_cancellable: return "ticket_not_cancellable";
    case domain::error_code::ticket_not_usable: return "ticket_not_usable";
    case domain::error_code::ticket_not_in_use: return "ticket_not_in_use";
    case domain::error_code::payment_not_found: return "payment_not_found";
    case domain::error_code::payment_declined: return "payment_declined";
    case domain::error_code::payment_not_refundable: return "payment_not_refundable";
    case domain::error_code::payment_unavailable: return "payment_unavailable";
    case domain::error_code::station_not_found: return "station_not_found";
    case domain::error_code::station_id_taken: return "station_id_taken";
    case domain::error_code::bicycle_not_found: return "bicycle_not_found";
    case domain::error_code::bicycle_id_taken: return "bicycle_id_taken";
    case domain::error_code::bicycle_rented: return "bicycle_rented";
    case domain::error_code::bicycle_unavailable: return "bicycle_unavailable";
    case domain::error_code::rental_not_found: return "rental_not_found";
    case domain::error_code::rental_not_active: return "rental_not_active";
    case domain::error_code::no_active_rental: return "no_active_rental";
    case domain::error_code::view_unavailable: return "view_unavailable";
    case domain::error_code::timeout: return "timeout";
    case domain::error_code::internal_error: return "internal_error";
  }
  return "internal_error";
}

std::string_view code_of(const domain::error& e) noexcept { return e.code ? to_string(*e.code) : default_code(e.kind); }

int status_of(domain::error_kind kind) noexcept {
  switch (kind) {
    case domain::error_kind::invalid: return 400;
    case domain::error_kind::not_found: return 404;
    case domain::error_kind::conflict: return 409;
    case domain::error_kind::declined: return 402;
    case domain::error_kind::unavailable: return 503;
    case domain::error_kind::internal: return 500;
  }
  return 500;
}

problem from_error(const domain::error& e) {
  if (e.kind == domain::error_kind::internal) return internal_problem();
  problem p;
  p.status = status_of(e.kind);
  p.code = std::string{code_of(e)};
  p.detail = e.detail.empty() ? std::string{reason_phrase(p.status)} : e.detail;
  p.ids = e.ids;
  if (e.kind == domain::error_kind::unavailable) {
    p.headers.emplace_back("Retry-After", std::to_string(e.retry_after_seconds > 0 ? e.retry_after_seconds : 1));
  }
  return p;
}

problem bad_request(std::string detail) { return {400, "invalid_request", std::move(detail)}; }

problem unauthorized(std::string detail, std::string challenge) {
  return {401, "unauthorized", std::move(detail), {}, {{"WWW-Authenticate", std::move(challenge)}}};
}

problem forbidden(std::string detail, std::string challenge) {
  problem p{403, "forbidden", std::move(detail)};
  if (!challenge.empty()) p.headers.emplace_back("WWW-Authenticate", std::move(challenge));
  return p;
}

problem not_found_problem(std::string detail) { return {404, "not_found", std::move(detail)}; }

problem method_not_allowed(std::string allow) {
  problem p{405, "method_not_allowed", "this resource only supports " + allow};
  p.headers.emplace_back("Allow", std::move(allow));
  return p;
}

problem payload_too_large(std::size_t limit) {
  return {413, "payload_too_large", "request body exceeds the limit of " + std::to_string(limit) + " bytes"};
}

problem unsupported_media_type(std::string detail) { return {415, "unsupported_media_type", std::move(detail)}; }

problem internal_problem() { return {500, "internal_error", "the server failed to handle the request"}; }

problem too_many_requests(int retry_after_seconds) {
  if (retry_after_seconds < 1) retry_after_seconds = 1;
  problem p{429, "rate_limited", "too many requests; retry in " + std::to_string(retry_after_seconds) + " s"};
  p.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return p;
}

problem service_unavailable(std::string detail, int retry_after_seconds) {
  problem p{503, "service_unavailable", std::move(detail)};
  p.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds > 0 ? retry_after_seconds : 1));
  return p;
}

std::string render(const problem& p) {
  nlohmann::json doc = {
      {"type", problem_type},
      {"title", reason_phrase(p.status)},
      {"status", p.status},
      {"detail", p.detail},
  };
  if (!p.code.empty()) doc["code"] = p.code;
  for (const auto& [key, value] : p.ids) {
    if (!reserved_member(key)) doc[key] = value;
  }
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

response to_response(const problem& p) {
  response r{p.status, {{"Content-Type", std::string{problem_media_type}}}, render(p)};
  r.headers.insert(r.headers.end(), p.headers.begin(), p.headers.end());
  return r;
}

}  // namespace ttareungyi::http
