#pragma once

#include <filesystem>
#include <string>

#include <sys/stat.h>

#include "../support/temp_dir.hpp"

namespace ttareungyi::security::testing {

// A fresh directory, removed with everything in it at scope exit.
using temp_dir = ttareungyi::test::temp_dir;

inline unsigned file_mode(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

}  // namespace ttareungyi::security::testing
