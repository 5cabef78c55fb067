// libFuzzer target: the token endpoint's form parser (http/oauth.* parse_token_request over
// http/forms.*: form decoding, percent-decoding, HTTP Basic credentials).
//
// Input layout (so corpus files stay readable): "CONTENT-TYPE\nAUTHORIZATION\nBODY"; an empty
// first or second line means the header is absent; a missing newline leaves the rest absent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <variant>

#include "forms.hpp"
#include "oauth.hpp"

namespace {

using namespace ttareungyi;

void require(bool ok) {
  if (!ok) std::abort();
}

std::optional<std::string_view> line(std::string_view& rest) {
  auto nl = rest.find('\n');
  if (nl == std::string_view::npos) {
    auto all = rest;
    rest = {};
    return all.empty() ? std::nullopt : std::optional<std::string_view>{all};
  }
  auto head = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  return head.empty() ? std::nullopt : std::optional<std::string_view>{head};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view rest = input;
  const auto content_type = line(rest);
  const auto authorization = line(rest);
  const std::string_view body = rest;

  if (auto request = http::parse_token_request(content_type, body, authorization)) {
    if (auto* p = std::get_if<http::password_grant>(&*request)) require(!p->username.empty() && !p->password.empty());
  } else {
    require(!request.error().error.empty());
    (void)http::to_response(request.error());
  }

  // The pieces on their own, over the whole input.
  if (auto fields = http::parse_form(input)) {
    for (const auto& [name, value] : *fields) require(http::field(*fields, name).has_value());
  }
  if (authorization) (void)http::parse_basic(*authorization);
  // Encoding then decoding gives the bytes back.
  auto decoded = http::percent_decode(http::percent_encode(input), false);
  require(decoded && *decoded == input);
  return 0;
}
