#include "internal.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "ttareungyi/security/random.hpp"

namespace ttareungyi::security::detail {

void fatal(std::string_view what) {
  std::fprintf(stderr, "ttareungyi security: fatal: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sha256(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr) != 1) fatal("SHA-256 failed");
  return {reinterpret_cast<const char*>(digest.data()), len};
}

std::expected<std::string, std::string> read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected("cannot open " + file.string());
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::unexpected("cannot read " + file.string());
  return std::move(out).str();
}

namespace {

std::string errno_text(int err) { return std::strerror(err); }

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() { close(); }
  int get() const { return fd_; }
  int close() {
    int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

}  // namespace

std::expected<write_result, std::string> create_private_file(const std::filesystem::path& file,
                                                             std::string_view contents) {
  const std::filesystem::path tmp = file.string() + ".tmp-" + random_id(8);
  fd_guard fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) return std::unexpected("cannot create " + tmp.string() + ": " + errno_text(errno));

  auto fail = [&](std::string what) {
    int err = errno;
    ::unlink(tmp.c_str());
    return std::unexpected(what + " " + tmp.string() + ": " + errno_text(err));
  };
  if (::fchmod(fd.get(), 0600) != 0) return fail("cannot chmod");
  for (std::size_t done = 0; done < contents.size();) {
    ssize_t n = ::write(fd.get(), contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot sync");
  if (fd.close() != 0) return fail("cannot close");

  const int rc = ::link(tmp.c_str(), file.c_str());
  const int err = errno;
  ::unlink(tmp.c_str());
  if (rc == 0) {
    // Best effort: make the new directory entry durable too.
    const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    fd_guard dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
    return write_result::created;
  }
  if (err == EEXIST) return write_result::already_exists;
  return std::unexpected("cannot create " + file.string() + ": " + errno_text(err));
}

}  // namespace ttareungyi::security::detail
