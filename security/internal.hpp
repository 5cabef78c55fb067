#pragma once
// Private helpers shared by the security sources; not part of the public interface.

#include <cstddef>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

namespace ttareungyi::security::detail {

template <auto Free>
struct openssl_deleter {
  template <typename T>
  void operator()(T* p) const noexcept { Free(p); }
};
template <typename T, auto Free>
using openssl_ptr = std::unique_ptr<T, openssl_deleter<Free>>;

using pkey_ptr = openssl_ptr<EVP_PKEY, EVP_PKEY_free>;
using md_ctx_ptr = openssl_ptr<EVP_MD_CTX, EVP_MD_CTX_free>;
using bio_ptr = openssl_ptr<BIO, BIO_free_all>;
using bn_ptr = openssl_ptr<BIGNUM, BN_free>;
using ecdsa_sig_ptr = openssl_ptr<ECDSA_SIG, ECDSA_SIG_free>;

// Prints `what` and aborts: for OpenSSL failures that only happen when the library is broken
// or memory is exhausted, where the public API has no error channel.
[[noreturn]] void fatal(std::string_view what);

// Constant-time equality for equal-length inputs; unequal lengths return false (leaking only the length).
bool equal_constant_time(std::string_view a, std::string_view b);

std::string sha256(std::string_view data);

// `n` bytes from RAND_bytes (aborts if the CSPRNG fails).
std::string random_bytes(std::size_t n);

// Whole file contents, or an error message naming the file.
std::expected<std::string, std::string> read_file(const std::filesystem::path& file);

enum class write_result { created, already_exists };
// Writes `contents` to a temporary file (mode 0600) next to `file`, syncs it and hard-links it
// to `file`, so `file` either does not exist or is complete. Never replaces an existing file.
std::expected<write_result, std::string> create_private_file(const std::filesystem::path& file,
                                                             std::string_view contents);

}  // namespace ttareungyi::security::detail
