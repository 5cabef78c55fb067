// libFuzzer target: JWT parsing and verification (security/tokens.*).
//
// The first byte picks what the rest is:
//   0: a compact JWS as a client would send it. Verification must fail: nobody but the server
//      holds the key, so a success would be a forgery.
//   1: "HEADER\nPAYLOAD", two JSON texts the harness signs with the server's own key, to reach
//      the claim checks behind the signature. An accepted token must say what it was given.
//   2: "SUBJECT\nSCOPE" to issue; the token must verify and give them back (ASCII text).
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "ttareungyi/security/base64.hpp"
#include "ttareungyi/security/tokens.hpp"

namespace {

using namespace ttareungyi;
namespace fs = std::filesystem;

constexpr std::string_view issuer = "https://ttareungyi.fuzz";

void require(bool ok) {
  if (!ok) std::abort();
}

struct fixture {
  security::token_service tokens;
  EVP_PKEY* key = nullptr;  // the same key, for signing arbitrary header.payload pairs
};

fixture make_fixture() {
  auto dir = fs::temp_directory_path() / ("ttareungyi-jwt-fuzz-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto file = dir / "signing-key.pem";
  auto key = security::signing_key::load_or_create(file);
  require(key.has_value());
  std::FILE* pem = std::fopen(file.c_str(), "r");
  require(pem != nullptr);
  EVP_PKEY* pkey = PEM_read_PrivateKey(pem, nullptr, nullptr, nullptr);
  std::fclose(pem);
  fs::remove_all(dir);
  require(pkey != nullptr);
  // A fixed clock, so that runs replay: tokens with exp > 2000000000 are live.
  return fixture{security::token_service(std::move(*key), std::string(issuer), std::chrono::hours(1),
                                         [] { return std::int64_t{2'000'000'000}; }),
                 pkey};
}

std::string signed_token(EVP_PKEY* key, std::string_view header, std::string_view payload);

fixture& the_fixture() {
  static fixture f = [] {
    auto made = make_fixture();
    // The harness signs what the server accepts: a well-formed token verifies (else mode 1
    // would test nothing).
    auto good = signed_token(made.key, R"({"alg":"ES256","typ":"JWT"})",
                             R"({"iss":"https://ttareungyi.fuzz","sub":"c_1","scope":"customer","exp":2000000100})");
    auto claims = made.tokens.verify_uncached(good);
    require(claims.has_value() && claims->subject == "c_1" && claims->scope == "customer");
    return made;
  }();
  return f;
}

// ES256 over `input`: the raw 64-byte r||s of RFC 7518 3.4.
std::string sign(EVP_PKEY* key, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  require(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1);
  std::size_t len = 0;
  require(EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
  std::string der(len, '\0');
  require(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)),
                                                            ECDSA_SIG_free);
  require(sig != nullptr);
  std::string raw(64, '\0');
  require(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), reinterpret_cast<unsigned char*>(raw.data()), 32) == 32);
  require(BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32) == 32);
  return raw;
}

std::string signed_token(EVP_PKEY* key, std::string_view header, std::string_view payload) {
  std::string token = security::base64url_encode(header) + "." + security::base64url_encode(payload);
  return token + "." + security::base64url_encode(sign(key, token));
}

std::pair<std::string_view, std::string_view> split(std::string_view text) {
  auto nl = text.find('\n');
  if (nl == std::string_view::npos) return {text, {}};
  return {text.substr(0, nl), text.substr(nl + 1)};
}

bool printable_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto& f = the_fixture();
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      require(!f.tokens.verify_uncached(rest).has_value());
      require(!f.tokens.verify(rest).has_value());
      break;
    }
    case 1: {
      auto [header, payload] = split(rest);
      auto token = signed_token(f.key, header, payload);
      auto uncached = f.tokens.verify_uncached(token);
      auto cached = f.tokens.verify(token);
      require(uncached.has_value() == cached.has_value());
      if (uncached) {
        require(uncached->expires_at > 2'000'000'000);
        require(cached->subject == uncached->subject && cached->scope == uncached->scope);
        require(f.tokens.verify(token).has_value());  // a cache hit answers the same
      } else {
        require(uncached.error() == cached.error());
      }
      break;
    }
    case 2: {
      auto [subject, scope] = split(rest);
      auto token = f.tokens.issue(subject, scope);
      if (token.size() > 8192) break;  // verify refuses larger tokens, by design
      auto claims = f.tokens.verify_uncached(token);
      require(claims.has_value());
      if (printable_ascii(subject) && printable_ascii(scope)) require(claims->subject == subject && claims->scope == scope);
      break;
    }
  }
  return 0;
}
