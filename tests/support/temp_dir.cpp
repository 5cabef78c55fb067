#include "temp_dir.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace ttareungyi::test {

temp_dir::temp_dir(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::filesystem::path root = (base && *base) ? base : "/tmp";
  std::string pattern = (root / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  path_ = pattern;
}

temp_dir::~temp_dir() {
  const char* keep = std::getenv("TTAREUNGYI_E2E_KEEP_TMP");
  if (keep && *keep) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path temp_dir::sub(std::string_view name) const {
  auto p = path_ / std::string(name);
  std::filesystem::create_directories(p);
  return p;
}

}  // namespace ttareungyi::test
