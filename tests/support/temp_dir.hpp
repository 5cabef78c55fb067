#pragma once
#include <filesystem>
#include <string_view>

namespace ttareungyi::test {

// Creates a fresh directory under $TMPDIR (or /tmp) and removes it with its contents on
// destruction, unless TTAREUNGYI_E2E_KEEP_TMP is set (non-empty) in the environment.
class temp_dir {
 public:
  explicit temp_dir(std::string_view prefix = "ttareungyi-e2e");
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir();

  const std::filesystem::path& path() const noexcept { return path_; }
  // Creates (if needed) and returns a sub-directory.
  std::filesystem::path sub(std::string_view name) const;

 private:
  std::filesystem::path path_;
};

}  // namespace ttareungyi::test
