#include "http_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace ttareungyi::test {
namespace {

using clock = std::chrono::steady_clock;

char lower(char c) noexcept { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

// Whether a comma-separated header value holds the token (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    auto comma = value.find(',');
    auto item = trim(value.substr(0, comma));
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string errno_text(int err) { return std::string(std::strerror(err)); }

int remaining_ms(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  if (left <= 0) return 0;
  return left > 1'000'000 ? 1'000'000 : static_cast<int>(left);
}

// Waits until fd is ready for `events`; returns the revents. Throws on timeout.
short wait_for(int fd, short events, clock::time_point deadline, const char* what) {
  for (;;) {
    pollfd p{fd, events, 0};
    int ms = remaining_ms(deadline);
    if (ms == 0) throw http_timeout(std::string("timed out ") + what);
    int rc = ::poll(&p, 1, ms);
    if (rc < 0) {
      if (errno == EINTR) continue;
      throw http_error(std::string("poll failed while ") + what + ": " + errno_text(errno));
    }
    if (rc == 0) throw http_timeout(std::string("timed out ") + what);
    return p.revents;
  }
}

int open_connection(const std::string& host, std::uint16_t port, clock::time_point deadline) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    throw http_error("not an IPv4 address: " + host);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw http_error("socket: " + errno_text(errno));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  if (rc != 0 && errno != EINPROGRESS) {
    int err = errno;
    ::close(fd);
    throw http_error("connect to " + host + ":" + std::to_string(port) + ": " + errno_text(err));
  }
  if (rc != 0) {
    try {
      wait_for(fd, POLLOUT, deadline, "connecting");
    } catch (...) {
      ::close(fd);
      throw;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      ::close(fd);
      throw http_error("connect to " + host + ":" + std::to_string(port) + ": " + errno_text(err));
    }
  }
  return fd;
}

// Whether an idle kept-alive connection is still usable: the server has neither closed it
// nor sent anything unasked.
bool still_open(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return true;  // nothing happened on it
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return false;
  char byte;
  ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

enum class send_outcome { complete, answered_early, broken };

// Sends all bytes. Stops early when the server already answers (e.g. 413 before the body is
// read) or when the connection breaks; the caller then reads what the server said.
send_outcome send_all(int fd, std::string_view data, clock::time_point deadline) {
  while (!data.empty()) {
    short rev = wait_for(fd, POLLOUT | POLLIN, deadline, "sending the request");
    if (rev & POLLIN) return send_outcome::answered_early;
    if (rev & (POLLERR | POLLHUP)) return send_outcome::broken;
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      if (errno == EPIPE || errno == ECONNRESET) return send_outcome::broken;
      throw http_error("send: " + errno_text(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return send_outcome::complete;
}

// Buffered reader over a non-blocking socket with a deadline.
class reader {
 public:
  reader(int fd, clock::time_point deadline) : fd_(fd), deadline_(deadline) {}

  std::size_t received() const noexcept { return received_; }

  // Reads more bytes into the buffer; false at end of stream (EOF or reset).
  bool fill() {
    char chunk[16384];
    for (;;) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buf_.append(chunk, static_cast<std::size_t>(n));
        received_ += static_cast<std::size_t>(n);
        return true;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      if (errno == ECONNRESET) return false;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        wait_for(fd_, POLLIN, deadline_, "waiting for the answer");
        continue;
      }
      throw http_error("recv: " + errno_text(errno));
    }
  }

  // A line ending in CRLF (or LF), without its terminator.
  std::string line() {
    for (;;) {
      auto nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) {
        std::string out = buf_.substr(pos_, nl - pos_);
        if (!out.empty() && out.back() == '\r') out.pop_back();
        pos_ = nl + 1;
        return out;
      }
      if (!fill()) throw http_error("connection closed in the middle of the answer's head");
    }
  }

  std::string exactly(std::size_t n) {
    while (buf_.size() - pos_ < n)
      if (!fill()) throw http_error("connection closed in the middle of the answer's body");
    std::string out = buf_.substr(pos_, n);
    pos_ += n;
    compact();
    return out;
  }

  std::string until_eof() {
    while (fill()) {
    }
    std::string out = buf_.substr(pos_);
    pos_ = buf_.size();
    return out;
  }

  // Whether a byte is available without waiting (used to detect a reset before any answer).
  bool at_eof_now() {
    if (pos_ < buf_.size()) return false;
    return !fill();
  }

 private:
  void compact() {
    if (pos_ > 65536) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }

  int fd_;
  clock::time_point deadline_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t received_ = 0;
};

std::size_t parse_size(std::string_view text, int base, const char* what) {
  text = trim(text);
  std::size_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty())
    throw http_error(std::string("bad ") + what + ": '" + std::string(text) + "'");
  return value;
}

// Reads one answer (skipping interim 1xx answers). `close_after` tells whether the
// connection cannot carry another exchange.
response read_response(reader& in, bool head_request, bool& close_after) {
  for (;;) {
    response r;
    std::string status_line = in.line();
    if (!status_line.starts_with("HTTP/1."))
      throw http_error("not an HTTP answer: '" + status_line.substr(0, 200) + "'");
    bool http10 = status_line.starts_with("HTTP/1.0");
    auto sp1 = status_line.find(' ');
    if (sp1 == std::string::npos) throw http_error("bad status line: " + status_line);
    auto rest = std::string_view(status_line).substr(sp1 + 1);
    auto sp2 = rest.find(' ');
    r.status = static_cast<int>(parse_size(rest.substr(0, sp2), 10, "status code"));
    r.reason = sp2 == std::string_view::npos ? "" : std::string(rest.substr(sp2 + 1));
    for (;;) {
      std::string line = in.line();
      if (line.empty()) break;
      auto colon = line.find(':');
      if (colon == std::string::npos) throw http_error("bad header line: " + line);
      std::string name(trim(std::string_view(line).substr(0, colon)));
      std::string value(trim(std::string_view(line).substr(colon + 1)));
      auto [it, inserted] = r.headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    if (r.status >= 100 && r.status < 200 && r.status != 101) continue;  // interim answer

    auto connection = r.header("Connection");
    close_after = (connection && has_token(*connection, "close")) ||
                  (http10 && !(connection && has_token(*connection, "keep-alive")));

    if (head_request || r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200))
      return r;
    auto te = r.header("Transfer-Encoding");
    if (te && has_token(*te, "chunked")) {
      for (;;) {
        std::string size_line = in.line();
        auto semi = size_line.find(';');
        std::size_t size = parse_size(std::string_view(size_line).substr(0, semi), 16, "chunk size");
        if (size == 0) {
          while (!in.line().empty()) {  // trailers
          }
          break;
        }
        r.body += in.exactly(size);
        if (!in.line().empty()) throw http_error("chunk not followed by CRLF");
      }
      return r;
    }
    if (auto cl = r.header("Content-Length")) {
      r.body = in.exactly(parse_size(*cl, 10, "Content-Length"));
      return r;
    }
    r.body = in.until_eof();
    close_after = true;
    return r;
  }
}

std::string serialize(const request& req, const std::string& host, std::uint16_t port,
                      bool keep_alive) {
  std::string out;
  out.reserve(256 + req.body.size());
  out += req.method + " " + req.target + " HTTP/1.1\r\n";
  out += "Host: " + host + ":" + std::to_string(port) + "\r\n";
  if (!req.headers.contains("User-Agent")) out += "User-Agent: ttareungyi-e2e\r\n";
  if (!req.headers.contains("Accept")) out += "Accept: application/json, application/problem+json\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  if (!req.authorization.empty()) out += "Authorization: " + req.authorization.header_value + "\r\n";
  if (req.content_type) out += "Content-Type: " + *req.content_type + "\r\n";
  bool body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
  if (!req.body.empty() || body_method) out += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
  for (const auto& [name, value] : req.headers) out += name + ": " + value + "\r\n";
  out += "\r\n";
  out += req.body;
  return out;
}

}  // namespace

bool case_insensitive_less::operator()(std::string_view a, std::string_view b) const noexcept {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return lower(x) < lower(y); });
}

std::optional<std::string> response::header(std::string_view name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::string response::media_type() const {
  auto ct = header("Content-Type");
  if (!ct) return {};
  auto semi = ct->find(';');
  return to_lower(trim(std::string_view(*ct).substr(0, semi)));
}

nlohmann::json response::json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw http_error("answer body is not JSON (" + std::string(e.what()) + "): " + describe());
  }
}

std::string response::describe() const {
  std::string out = "HTTP " + std::to_string(status);
  if (!reason.empty()) out += " " + reason;
  if (auto ct = header("Content-Type")) out += " [" + *ct + "]";
  out += " body: ";
  if (body.size() > 2048)
    out += body.substr(0, 2048) + "... (" + std::to_string(body.size()) + " bytes)";
  else
    out += body.empty() ? std::string("<empty>") : body;
  return out;
}

auth no_auth() { return {}; }
auth bearer(std::string_view token) { return auth{"Bearer " + std::string(token)}; }
auth basic(std::string_view user, std::string_view password) {
  std::string pair(user);
  pair += ':';
  pair += password;
  return auth{"Basic " + base64_encode(pair)};
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    auto n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
             (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) | std::uint32_t(std::uint8_t(bytes[i + 2]));
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    auto n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    auto n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) | (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += url_encode(name) + "=" + url_encode(value);
  }
  return out;
}

http_client::http_client(std::uint16_t port) : http_client(port, options{}) {}
http_client::http_client(std::uint16_t port, options opts) : port_(port), opts_(std::move(opts)) {}

http_client::http_client(http_client&& other) noexcept
    : port_(other.port_), opts_(std::move(other.opts_)), fd_(std::exchange(other.fd_, -1)),
      reused_(other.reused_) {}

http_client& http_client::operator=(http_client&& other) noexcept {
  if (this != &other) {
    close();
    port_ = other.port_;
    opts_ = std::move(other.opts_);
    fd_ = std::exchange(other.fd_, -1);
    reused_ = other.reused_;
  }
  return *this;
}

http_client::~http_client() { close(); }

void http_client::connect() {
  if (fd_ >= 0) return;
  fd_ = open_connection(opts_.host, port_, clock::now() + opts_.timeout);
  reused_ = false;
}

void http_client::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  reused_ = false;
}

response http_client::exchange(const request& req) {
  auto deadline = clock::now() + opts_.timeout;
  if (fd_ >= 0 && reused_ && !still_open(fd_)) close();  // the server closed it while idle
  if (fd_ < 0) {
    fd_ = open_connection(opts_.host, port_, deadline);
    reused_ = false;
  }
  std::string wire = serialize(req, opts_.host, port_, opts_.keep_alive);
  send_outcome sent = send_all(fd_, wire, deadline);
  reader in(fd_, deadline);
  if (in.at_eof_now()) {
    // Not retried: the server may have acted on the request before it dropped the connection,
    // and a test must see that, not a second attempt's answer.
    close();
    throw http_error(std::string("connection closed without an answer") +
                     (sent == send_outcome::broken ? " (broken while sending)" : ""));
  }
  bool close_after = false;
  response r;
  try {
    r = read_response(in, req.method == "HEAD", close_after);
  } catch (...) {
    close();
    throw;
  }
  if (close_after || !opts_.keep_alive || sent != send_outcome::complete) {
    close();
  } else {
    reused_ = true;
  }
  return r;
}

response http_client::send(const request& req) {
  try {
    return exchange(req);
  } catch (const http_timeout& e) {
    throw http_timeout(std::string(e.what()) + " [" + req.method + " " + req.target + " on port " +
                       std::to_string(port_) + "]");
  } catch (const http_error& e) {
    throw http_error(std::string(e.what()) + " [" + req.method + " " + req.target + " on port " +
                     std::to_string(port_) + "]");
  }
}

response http_client::get(std::string_view target, const auth& a) {
  request req;
  req.method = "GET";
  req.target = std::string(target);
  req.authorization = a;
  return send(req);
}

response http_client::del(std::string_view target, const auth& a) {
  request req;
  req.method = "DELETE";
  req.target = std::string(target);
  req.authorization = a;
  return send(req);
}

response http_client::post_json(std::string_view target, const json& body, const auth& a) {
  return post(target, body.dump(), "application/json", a);
}

response http_client::post(std::string_view target, std::string body, std::string_view content_type,
                           const auth& a) {
  request req;
  req.method = "POST";
  req.target = std::string(target);
  req.body = std::move(body);
  req.authorization = a;
  if (!content_type.empty()) req.content_type = std::string(content_type);
  return send(req);
}

response http_client::post_form(std::string_view target, std::string_view form_body, const auth& a) {
  return post(target, std::string(form_body), "application/x-www-form-urlencoded", a);
}

response http_client::post_form(std::string_view target,
                                const std::vector<std::pair<std::string, std::string>>& fields,
                                const auth& a) {
  return post_form(target, form_encode(fields), a);
}

std::optional<response> http_client::send_raw(std::string_view bytes) {
  auto deadline = clock::now() + opts_.timeout;
  int fd = open_connection(opts_.host, port_, deadline);
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } guard{fd};
  send_all(fd, bytes, deadline);
  reader in(fd, deadline);
  if (in.at_eof_now()) return std::nullopt;
  bool close_after = false;
  return read_response(in, false, close_after);
}

}  // namespace ttareungyi::test
