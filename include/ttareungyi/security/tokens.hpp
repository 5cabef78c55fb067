#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace ttareungyi::security {

struct claims {
  std::string subject;
  std::string scope;
  std::int64_t issued_at = 0;   // seconds since epoch
  std::int64_t expires_at = 0;  // seconds since epoch
  std::string token_id;
};

// no_key: a verifier that trusts no key yet cannot tell (a gateway that has not reached the core).
enum class token_error { malformed, unsupported_algorithm, bad_signature, expired, wrong_issuer, no_key };
std::string_view to_string(token_error e);

// An ECDSA P-256 private key. Move-only; a moved-from key may only be destroyed or assigned to.
class signing_key {
 public:
  // Loads the PEM private key at `file`, or creates a new one there (mode 0600; the parent
  // directory must exist). The file is written atomically and never overwritten.
  static std::expected<signing_key, std::string> load_or_create(const std::filesystem::path& file);
  // A fresh key in memory, for tests and benchmarks.
  static signing_key generate();

  signing_key(signing_key&&) noexcept;
  signing_key& operator=(signing_key&&) noexcept;
  ~signing_key();

  // RFC 7638 JWK thumbprint (SHA-256, base64url).
  const std::string& key_id() const;
  // Public JWK: {"kty":"EC","crv":"P-256","x":..,"y":..,"use":"sig","alg":"ES256","kid":..}.
  std::string jwk_json() const;

 private:
  struct impl;
  explicit signing_key(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
  friend class token_service;
};

// Issues and verifies ES256 JWTs. issue/verify are safe to call from several threads at once.
class token_service {
 public:
  using clock_fn = std::function<std::int64_t()>;  // seconds since epoch; default: system clock

  // cache_capacity: maximum number of verified tokens remembered by verify(); 0 disables the cache.
  token_service(signing_key key, std::string issuer, std::chrono::seconds ttl, clock_fn now = {},
                std::size_t cache_capacity = 100'000);
  // A token service that signs nothing and verifies the tokens of another node's key (a gateway
  // verifying the core's tokens): it knows no key until trust() gives it the signer's JWK set.
  static token_service verifier(std::string issuer, std::chrono::seconds ttl, clock_fn now = {},
                                std::size_t cache_capacity = 100'000);
  token_service(token_service&&) noexcept;
  token_service& operator=(token_service&&) noexcept;
  ~token_service();

  // Compact JWS: header {alg:ES256,typ:JWT,kid}, payload {iss,sub,scope,iat,exp,jti}. Only a
  // service with its own key signs (a verifier aborts: a programming error).
  std::string issue(std::string_view subject, std::string_view scope) const;
  // Like verify_uncached, but remembers successfully verified tokens. Cached hits still check
  // expiry against the clock. Failures are never cached.
  std::expected<claims, token_error> verify(std::string_view token) const;
  // Checks alg == ES256, the signature, iss and exp (expired when now >= exp).
  std::expected<claims, token_error> verify_uncached(std::string_view token) const;

  // Verifies tokens signed by the P-256 keys of `jwks` (a JWK set as jwks_json() writes it) from
  // now on, instead of those trusted before; a key is known by its RFC 7638 thumbprint, whatever
  // `kid` the set gives it. Safe while other threads verify. An error names what it could not read.
  std::expected<void, std::string> trust(std::string_view jwks);
  bool signs() const;  // false for a verifier

  std::string jwks_json() const;  // {"keys":[<jwk_json()>]}: its own key, or for a verifier the keys trusted
  const std::string& issuer() const;
  std::chrono::seconds ttl() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ttareungyi::security
