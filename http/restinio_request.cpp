#include "restinio_request.hpp"

#include <string>

namespace ttareungyi::http {

namespace {

// One octet in decimal, without leading zeros.
void append_octet(std::string& out, unsigned value) {
  if (value >= 100) out.push_back(static_cast<char>('0' + value / 100));
  if (value >= 10) out.push_back(static_cast<char>('0' + value / 10 % 10));
  out.push_back(static_cast<char>('0' + value % 10));
}

// The client's address as text; IPv4 by hand (asio's to_string goes through sprintf), once per
// request. Into a string, not a fixed buffer: std::to_chars answers the buffer's end when it
// fails, and a '.' written after that would have run past it (-O3 reported it). The 15
// characters at most fit the string's own small storage.
std::string peer_of(const asio::ip::address& address) {
  if (!address.is_v4()) return address.to_string();
  const auto bytes = address.to_v4().to_bytes();
  std::string text;
  text.reserve(15);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) text.push_back('.');
    append_octet(text, bytes[i]);
  }
  return text;
}

}  // namespace

request to_model(const restinio::request_t& req) {
  request r;
  r.method = std::string{req.header().method().c_str()};
  r.target = std::string{req.header().request_target()};
  r.headers.reserve(req.header().fields_count());
  req.header().for_each_field([&](const restinio::http_header_field_t& f) { r.headers.emplace_back(f.name(), f.value()); });
  r.body = req.body();
  r.peer = peer_of(req.remote_endpoint().address());
  return r;
}

}  // namespace ttareungyi::http
