#pragma once

#include <filesystem>
#include <string>

#include <sys/stat.h>

#include "ttareungyi/security/random.hpp"

namespace ttareungyi::security::testing {

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class temp_dir {
 public:
  temp_dir()
      : path_(std::filesystem::temp_directory_path() / ("ttareungyi-security-test-" + random_id(8))) {
    std::filesystem::create_directories(path_);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline unsigned file_mode(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

}  // namespace ttareungyi::security::testing
