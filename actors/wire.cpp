#include "wire.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

#include <map>
#include <optional>
#include <string>

namespace ttareungyi::actors {

namespace {

// An error code crosses nodes as its number, 0 for none; a number this build does not know
// (a newer node's code) arrives as none, so the client sees the kind's generic code.
int wire_code(std::optional<domain::error_code> code) { return code ? static_cast<int>(*code) + 1 : 0; }

std::optional<domain::error_code> from_wire_code(int n) {
  if (n < 1 || n > static_cast<int>(domain::last_error_code) + 1) return std::nullopt;
  return static_cast<domain::error_code>(n - 1);
}

}  // namespace

caf::error to_caf(const domain::error& e) {
  return caf::error{static_cast<std::uint8_t>(static_cast<int>(e.kind) + 1), domain_error_category,
                    caf::make_message(wire_code(e.code), e.detail, e.ids, e.retry_after_seconds)};
}

domain::error from_caf(const caf::error& e) {
  if (e.category() == domain_error_category) {
    domain::error out{static_cast<domain::error_kind>(e.code() - 1)};
    const auto& ctx = e.context();
    if (ctx.match_elements<int, std::string, std::map<std::string, std::string>, int>()) {
      out.code = from_wire_code(ctx.get_as<int>(0));
      out.detail = ctx.get_as<std::string>(1);
      out.ids = ctx.get_as<std::map<std::string, std::string>>(2);
      out.retry_after_seconds = ctx.get_as<int>(3);
    }
    return out;
  }
  if (e.category() == caf::atom("system") && e.code() == static_cast<std::uint8_t>(caf::sec::request_timeout)) {
    domain::error out{domain::error_kind::unavailable, domain::error_code::timeout, "the request took too long; try again later"};
    out.retry_after_seconds = 1;
    return out;
  }
  return domain::internal("actor failure: " + std::to_string(e.code()));
}

}  // namespace ttareungyi::actors
