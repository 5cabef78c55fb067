#include "message.hpp"

#include <algorithm>
#include <cctype>

namespace ttareungyi::http {

namespace {

char lower(char c) noexcept { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::optional<std::string_view> find_header(const header_list& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return std::string_view{value};
  }
  return std::nullopt;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string_view> request::header(std::string_view name) const { return find_header(headers, name); }
std::optional<std::string_view> response::header(std::string_view name) const { return find_header(headers, name); }

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

std::string media_type_of(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  auto type = trim(content_type.substr(0, semicolon));
  std::string out;
  out.reserve(type.size());
  for (char c : type) out.push_back(lower(c));
  return out;
}

bool is_json(std::optional<std::string_view> content_type) {
  return content_type && media_type_of(*content_type) == json_media_type;
}

bool is_form(std::optional<std::string_view> content_type) {
  return content_type && media_type_of(*content_type) == form_media_type;
}

response json_response(int status, std::string body) {
  return response{status, {{"Content-Type", std::string{json_media_type}}}, std::move(body)};
}

split_target split(std::string_view target) noexcept {
  if (auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

}  // namespace ttareungyi::http
