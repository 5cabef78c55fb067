#include "wire.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

#include <map>

namespace ttareungyi::actors {

caf::error to_caf(const domain::error& e) {
  return caf::error{static_cast<std::uint8_t>(static_cast<int>(e.kind) + 1), domain_error_category,
                    caf::make_message(e.code, e.detail, e.ids, e.retry_after_seconds)};
}

domain::error from_caf(const caf::error& e) {
  if (e.category() == domain_error_category) {
    domain::error out{static_cast<domain::error_kind>(e.code() - 1)};
    const auto& ctx = e.context();
    if (ctx.match_elements<std::string, std::string, std::map<std::string, std::string>, int>()) {
      out.code = ctx.get_as<std::string>(0);
      out.detail = ctx.get_as<std::string>(1);
      out.ids = ctx.get_as<std::map<std::string, std::string>>(2);
      out.retry_after_seconds = ctx.get_as<int>(3);
    }
    return out;
  }
  if (e.category() == caf::atom("system") && e.code() == static_cast<std::uint8_t>(caf::sec::request_timeout)) {
    domain::error out{domain::error_kind::unavailable, "timeout", "the request took too long; try again later"};
    out.retry_after_seconds = 1;
    return out;
  }
  return domain::internal("actor failure: " + std::to_string(e.code()));
}

}  // namespace ttareungyi::actors
