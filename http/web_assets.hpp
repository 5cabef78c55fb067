#pragma once
// The web pages' files (web/), embedded in the binary at build time (cmake/EmbedWeb.cmake).
#include <span>
#include <string_view>

namespace ttareungyi::http {

struct web_asset {
  std::string_view name;  // the file name in web/, e.g. "customer.js"
  std::string_view content_type;
  std::string_view body;
  std::string_view etag;  // quoted, from the content: another content, another tag
};

std::span<const web_asset> web_assets();

}  // namespace ttareungyi::http
