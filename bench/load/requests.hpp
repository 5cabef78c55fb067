#pragma once
// The server under load: its address, which must be this machine's, and the HTTP/1.1 requests
// written for it.
#include <asio.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "options.hpp"

namespace ttareungyi::bench::load {

// host:port resolved to a loopback address; std::invalid_argument when it has none.
asio::ip::tcp::endpoint loopback_endpoint(const std::string& host, std::uint16_t port);

// Standard base64 with padding, for Basic credentials.
std::string base64(std::string_view in);

// Writes the requests for the target: its Host line, a bearer token when there is one.
class request_builder {
 public:
  explicit request_builder(const options& o) {
    bool v6 = o.host.find(':') != std::string::npos;
    host_line_ = "Host: " + (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port) + "\r\n";
  }
  std::string get(std::string_view path, std::string_view bearer, std::string_view extra_headers = {}) const {
    std::string r;
    r.reserve(128 + path.size() + bearer.size() + extra_headers.size());
    r.append("GET ").append(path).append(" HTTP/1.1\r\n").append(host_line_);
    if (!bearer.empty()) r.append("Authorization: Bearer ").append(bearer).append("\r\n");
    r.append(extra_headers).append("\r\n");
    return r;
  }
  std::string post(std::string_view path, std::string_view bearer, std::string_view content_type, std::string_view body,
                   std::string_view extra_headers = {}) const {
    std::string r;
    r.reserve(192 + path.size() + bearer.size() + body.size());
    r.append("POST ").append(path).append(" HTTP/1.1\r\n").append(host_line_);
    if (!bearer.empty()) r.append("Authorization: Bearer ").append(bearer).append("\r\n");
    r.append(extra_headers);
    r.append("Content-Type: ").append(content_type).append("\r\nContent-Length: ");
    r.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    return r;
  }
  std::string post_json(std::string_view path, std::string_view bearer, const std::string& body) const {
    return post(path, bearer, "application/json", body);
  }

 private:
  std::string host_line_;
};

}  // namespace ttareungyi::bench::load
