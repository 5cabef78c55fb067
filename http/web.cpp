// The web pages for people (web/, embedded in the binary): the customers' page at /, the
// operators' at /operator, their scripts and style at /web/NAME. They hold no data: every
// figure comes from the API with the token the page keeps in session storage. Answers carry
// an ETag (a copy still current gets 304) and a Content Security Policy that allows nothing
// from elsewhere.
#include <algorithm>
#include <string>

#include "answers.hpp"
#include "handlers.hpp"
#include "web_assets.hpp"

namespace ttareungyi::http::handlers {

namespace {

// Scripts, styles, images and connections from this origin only; no inline code, no frames.
constexpr const char* content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

checked<work> serve(const call& c, std::string_view name) {
  auto assets = web_assets();
  auto found = std::ranges::find(assets, name, &web_asset::name);
  if (found == assets.end()) return std::unexpected(not_found_problem("no such file of the web pages"));
  return [&c, asset = *found](responder respond) {
    auto seen = c.req.header("If-None-Match");
    response r{200, {}, {}};
    if (seen && seen->find(asset.etag) != std::string_view::npos) {
      r.status = 304;
    } else {
      r.headers.emplace_back("Content-Type", std::string{asset.content_type});
      r.body = std::string{asset.body};
    }
    r.headers.emplace_back("ETag", std::string{asset.etag});
    // Kept, but asked again each time: a new release shows at once.
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("Content-Security-Policy", content_security_policy);
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    respond(std::move(r));
  };
}

}  // namespace

checked<work> customer_page(const call& c) { return serve(c, "index.html"); }
checked<work> operator_page(const call& c) { return serve(c, "operator.html"); }
checked<work> web_file(const call& c) {
  // The pages themselves have their own paths.
  if (c.id.ends_with(".html")) return std::unexpected(not_found_problem("no such file of the web pages"));
  return serve(c, c.id);
}

}  // namespace ttareungyi::http::handlers
