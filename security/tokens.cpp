#include "ttareungyi/security/tokens.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "internal.hpp"
#include "ttareungyi/security/base64.hpp"
#include "ttareungyi/security/random.hpp"

namespace ttareungyi::security {

using detail::bio_ptr;
using detail::bn_ptr;
using detail::ecdsa_sig_ptr;
using detail::md_ctx_ptr;
using detail::pkey_ptr;

std::string_view to_string(token_error e) {
  switch (e) {
    case token_error::malformed: return "malformed";
    case token_error::unsupported_algorithm: return "unsupported_algorithm";
    case token_error::bad_signature: return "bad_signature";
    case token_error::expired: return "expired";
    case token_error::wrong_issuer: return "wrong_issuer";
    case token_error::no_key: return "no_key";
  }
  return "unknown";
}

namespace {

constexpr std::size_t coordinate_bytes = 32;                    // P-256
constexpr std::size_t signature_bytes = 2 * coordinate_bytes;  // JWS R || S
constexpr std::size_t max_token_bytes = 8192;

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// Never throws on odd input (invalid UTF-8 is replaced).
template <typename Json>
std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<std::string> public_coordinate(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return std::nullopt;
  const bn_ptr bn(raw);
  std::string out(coordinate_bytes, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), coordinate_bytes) !=
      static_cast<int>(coordinate_bytes)) {
    return std::nullopt;
  }
  return out;
}

bool is_p256(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) return false;
  std::array<char, 64> group{};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &len) != 1) return false;
  const std::string_view name(group.data(), len);
  return name == "prime256v1" || name == "P-256" || name == "secp256r1";
}

// RFC 7638: the required members only, in lexicographic order, no whitespace.
std::string thumbprint(const std::string& x_b64, const std::string& y_b64) {
  return base64url_encode(detail::sha256(R"({"crv":"P-256","kty":"EC","x":")" + x_b64 + R"(","y":")" + y_b64 + R"("})"));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// signing_key

struct signing_key::impl {
  pkey_ptr key;
  std::string x;  // base64url public coordinates
  std::string y;
  std::string kid;

  static std::expected<std::unique_ptr<impl>, std::string> from(pkey_ptr key) {
    if (!key || !is_p256(key.get())) return std::unexpected("not an EC P-256 key");
    const auto x = public_coordinate(key.get(), OSSL_PKEY_PARAM_EC_PUB_X);
    const auto y = public_coordinate(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!x || !y) return std::unexpected("cannot read the public key");
    auto p = std::make_unique<impl>();
    p->key = std::move(key);
    p->x = base64url_encode(*x);
    p->y = base64url_encode(*y);
    p->kid = thumbprint(p->x, p->y);
    return p;
  }
};

signing_key::signing_key(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
signing_key::signing_key(signing_key&&) noexcept = default;
signing_key& signing_key::operator=(signing_key&&) noexcept = default;
signing_key::~signing_key() = default;

signing_key signing_key::generate() {
  auto p = impl::from(pkey_ptr(EVP_EC_gen("P-256")));
  if (!p) detail::fatal("cannot generate an EC P-256 key: " + p.error());
  return signing_key(std::move(*p));
}

std::expected<signing_key, std::string> signing_key::load_or_create(const std::filesystem::path& file) {
  std::error_code ec;
  const bool present = std::filesystem::exists(file, ec);
  if (ec) return std::unexpected("cannot access " + file.string() + ": " + ec.message());
  if (!present) {
    signing_key fresh = generate();
    bio_ptr mem(BIO_new(BIO_s_mem()));
    if (!mem || PEM_write_bio_PrivateKey(mem.get(), fresh.impl_->key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
      ERR_clear_error();
      return std::unexpected(std::string("cannot PEM-encode the signing key"));
    }
    char* data = nullptr;
    const long len = BIO_get_mem_data(mem.get(), &data);
    std::string pem(data, static_cast<std::size_t>(len));
    const auto written = detail::create_private_file(file, pem);
    OPENSSL_cleanse(pem.data(), pem.size());
    if (!written) return std::unexpected(written.error());
    if (*written == detail::write_result::created) return fresh;
    // Someone else created the file meanwhile: use theirs.
  }

  auto pem = detail::read_file(file);
  if (!pem) return std::unexpected(pem.error());
  bio_ptr mem(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  pkey_ptr key(mem ? PEM_read_bio_PrivateKey(mem.get(), nullptr, nullptr, nullptr) : nullptr);
  OPENSSL_cleanse(pem->data(), pem->size());
  ERR_clear_error();
  if (!key) return std::unexpected("cannot parse the PEM private key in " + file.string());
  auto p = impl::from(std::move(key));
  if (!p) return std::unexpected(file.string() + ": " + p.error());
  return signing_key(std::move(*p));
}

const std::string& signing_key::key_id() const {
  static const std::string empty;
  return impl_ ? impl_->kid : empty;
}

std::string signing_key::jwk_json() const {
  if (!impl_) return "{}";
  ordered_json j;
  j["kty"] = "EC";
  j["crv"] = "P-256";
  j["x"] = impl_->x;
  j["y"] = impl_->y;
  j["use"] = "sig";
  j["alg"] = "ES256";
  j["kid"] = impl_->kid;
  return dump(j);
}

// ---------------------------------------------------------------------------------------------
// ES256 primitives

namespace {

using md_ptr = detail::openssl_ptr<EVP_MD, EVP_MD_free>;

struct openssl_free_bytes {
  void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); }
};

// Raw R || S signature of SHA-256(input).
std::string es256_sign(EVP_PKEY* key, const EVP_MD* md, std::string_view input) {
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) {
    detail::fatal("ES256 signing failed to start");
  }
  std::vector<unsigned char> der(len);
  if (EVP_DigestSign(ctx.get(), der.data(), &len, in, input.size()) != 1) detail::fatal("ES256 signing failed");

  const unsigned char* p = der.data();
  const ecdsa_sig_ptr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) detail::fatal("cannot decode an ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(signature_bytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, coordinate_bytes) != static_cast<int>(coordinate_bytes) ||
      BN_bn2binpad(s, out + coordinate_bytes, coordinate_bytes) != static_cast<int>(coordinate_bytes)) {
    detail::fatal("ECDSA signature does not fit P-256");
  }
  return raw;
}

bool es256_verify(EVP_PKEY* key, const EVP_MD* md, std::string_view input, std::string_view raw) {
  if (raw.size() != signature_bytes) return false;
  const auto* rs = reinterpret_cast<const unsigned char*>(raw.data());
  bn_ptr r(BN_bin2bn(rs, coordinate_bytes, nullptr));
  bn_ptr s(BN_bin2bn(rs + coordinate_bytes, coordinate_bytes, nullptr));
  ecdsa_sig_ptr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return false;
  (void)r.release();  // now owned by sig
  (void)s.release();

  unsigned char* der_raw = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der_raw);
  const std::unique_ptr<unsigned char, openssl_free_bytes> der(der_raw);
  if (der_len <= 0) return false;

  md_ctx_ptr ctx(EVP_MD_CTX_new());
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx.get(), der.get(), static_cast<std::size_t>(der_len),
                                   reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  ERR_clear_error();  // a failed verification leaves entries on this thread's error queue
  return ok;
}

// A public P-256 key from a JWK's coordinates (base64url, 32 bytes each); OpenSSL refuses a
// point that is not on the curve.
std::optional<std::shared_ptr<EVP_PKEY>> public_key(const std::string& x_b64, const std::string& y_b64) {
  auto x = base64url_decode(x_b64);
  auto y = base64url_decode(y_b64);
  if (!x || !y || x->size() != coordinate_bytes || y->size() != coordinate_bytes) return std::nullopt;
  std::string point = "\x04" + *x + *y;
  using bld_ptr = detail::openssl_ptr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
  using params_ptr = detail::openssl_ptr<OSSL_PARAM, OSSL_PARAM_free>;
  using ctx_ptr = detail::openssl_ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
  bld_ptr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
    return std::nullopt;
  params_ptr params(OSSL_PARAM_BLD_to_param(bld.get()));
  ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

std::optional<json> parse_object(std::string_view b64) {
  auto text = base64url_decode(b64);
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

const std::string* string_member(const json& j, const char* name) {
  const auto it = j.find(name);
  return it != j.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

std::optional<std::int64_t> integer_member(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  return std::nullopt;
}

// Successfully verified tokens, split into shards that each keep two generations: new entries go
// into `current`; when it is full it becomes `previous` (dropping the old one). Hits in `previous`
// move back to `current`, so frequently used tokens survive - a cheap approximation of LRU.
class verified_cache {
 public:
  explicit verified_cache(std::size_t capacity)
      : shard_count_(capacity >= 1024 ? 16 : 1),
        generation_limit_(std::max<std::size_t>(1, capacity / shard_count_ / 2)),
        shards_(capacity > 0 ? std::make_unique<shard[]>(shard_count_) : nullptr) {}

  std::optional<claims> find(std::string_view token) {
    if (!shards_) return std::nullopt;
    shard& sh = shard_for(token);
    const std::lock_guard lock(sh.mu);
    if (const auto it = sh.current.find(token); it != sh.current.end()) return it->second;
    const auto it = sh.previous.find(token);
    if (it == sh.previous.end()) return std::nullopt;
    auto node = sh.previous.extract(it);
    claims found = node.mapped();
    if (sh.current.size() >= generation_limit_) sh.rotate();
    sh.current.insert(std::move(node));
    return found;
  }

  void insert(std::string_view token, const claims& c) {
    if (!shards_) return;
    shard& sh = shard_for(token);
    const std::lock_guard lock(sh.mu);
    if (sh.current.size() >= generation_limit_) sh.rotate();
    sh.current.try_emplace(std::string(token), c);
  }

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using map = std::unordered_map<std::string, claims, string_hash, std::equal_to<>>;
  struct shard {
    std::mutex mu;
    map current;
    map previous;
    void rotate() {
      previous = std::move(current);
      current = map{};
    }
  };

  shard& shard_for(std::string_view token) {
    // The maps use the low bits of the same hash, so pick the shard from the high ones.
    return shards_[(string_hash{}(token) >> 56) % shard_count_];
  }

  std::size_t shard_count_;
  std::size_t generation_limit_;
  std::unique_ptr<shard[]> shards_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// token_service

struct token_service::impl {
  signing_key key;
  bool signs = true;  // false: a verifier, whose own key is never used
  // A verifier's keys, by thumbprint, and their JWK set; replaced whole by trust().
  mutable std::shared_mutex trusted_mutex;
  std::unordered_map<std::string, std::shared_ptr<EVP_PKEY>> trusted;
  std::string trusted_jwks = R"({"keys":[]})";
  std::string issuer;
  std::chrono::seconds ttl;
  clock_fn now;
  md_ptr sha256;
  std::string header_b64;
  std::string jwks;
  mutable verified_cache cache;

  impl(signing_key k, std::string iss, std::chrono::seconds t, clock_fn clock, std::size_t capacity)
      : key(std::move(k)), issuer(std::move(iss)), ttl(t), now(std::move(clock)),
        sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr)), cache(capacity) {
    if (!key.impl_) detail::fatal("token_service needs a signing key (got a moved-from one)");
    if (!sha256) detail::fatal("cannot fetch SHA-256");
    if (!now) {
      now = [] {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
    }
    ordered_json header;
    header["alg"] = "ES256";
    header["typ"] = "JWT";
    header["kid"] = key.key_id();
    header_b64 = base64url_encode(dump(header));
    jwks = R"({"keys":[)" + key.jwk_json() + "]}";
  }

  EVP_PKEY* pkey() const { return key.impl_->key.get(); }

  // The key that signed a token naming `kid`: its own, or one trusted; a token without a kid
  // can only be its own. bad_signature when no key of ours did; no_key for a verifier that
  // trusts none yet.
  std::expected<std::shared_ptr<EVP_PKEY>, token_error> key_for(const std::string* kid) const {
    if (signs) {
      if (kid && *kid != key.key_id()) return std::unexpected(token_error::bad_signature);  // not our key
      return std::shared_ptr<EVP_PKEY>{std::shared_ptr<EVP_PKEY>{}, pkey()};  // borrowed: the key outlives the call
    }
    std::shared_lock lock{trusted_mutex};
    if (trusted.empty()) return std::unexpected(token_error::no_key);
    auto i = kid ? trusted.find(*kid) : trusted.end();
    if (i == trusted.end()) return std::unexpected(token_error::bad_signature);
    return i->second;
  }
};

token_service::token_service(signing_key key, std::string issuer, std::chrono::seconds ttl, clock_fn now,
                             std::size_t cache_capacity)
    : impl_(std::make_unique<impl>(std::move(key), std::move(issuer), ttl, std::move(now), cache_capacity)) {}
token_service token_service::verifier(std::string issuer, std::chrono::seconds ttl, clock_fn now,
                                      std::size_t cache_capacity) {
  token_service service{signing_key::generate(), std::move(issuer), ttl, std::move(now), cache_capacity};
  service.impl_->signs = false;
  return service;
}

token_service::token_service(token_service&&) noexcept = default;
token_service& token_service::operator=(token_service&&) noexcept = default;
token_service::~token_service() = default;

std::string token_service::issue(std::string_view subject, std::string_view scope) const {
  if (!impl_->signs) detail::fatal("a verifying token service cannot issue tokens");
  const std::int64_t iat = impl_->now();
  ordered_json payload;
  payload["iss"] = impl_->issuer;
  payload["sub"] = subject;
  payload["scope"] = scope;
  payload["iat"] = iat;
  payload["exp"] = iat + static_cast<std::int64_t>(impl_->ttl.count());
  payload["jti"] = random_id(16);

  std::string token = impl_->header_b64;
  token += '.';
  token += base64url_encode(dump(payload));
  const std::string signature = es256_sign(impl_->pkey(), impl_->sha256.get(), token);
  token += '.';
  token += base64url_encode(signature);
  return token;
}

std::expected<claims, token_error> token_service::verify_uncached(std::string_view token) const {
  if (token.size() > max_token_bytes) return std::unexpected(token_error::malformed);
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return std::unexpected(token_error::malformed);
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);

  const auto header = parse_object(header_b64);
  if (!header) return std::unexpected(token_error::malformed);
  const std::string* alg = string_member(*header, "alg");
  if (!alg) return std::unexpected(token_error::malformed);
  if (*alg != "ES256") return std::unexpected(token_error::unsupported_algorithm);
  if (header->contains("crit")) return std::unexpected(token_error::unsupported_algorithm);  // RFC 7515 4.1.11
  const std::string* kid = nullptr;
  if (header->contains("kid")) {
    kid = string_member(*header, "kid");
    if (!kid) return std::unexpected(token_error::malformed);
  }
  const auto key = impl_->key_for(kid);
  if (!key) return std::unexpected(key.error());

  const auto signature = base64url_decode(signature_b64);
  if (!signature || !es256_verify(key->get(), impl_->sha256.get(), token.substr(0, dot2), *signature)) {
    return std::unexpected(token_error::bad_signature);
  }

  // Signed by us from here on, but still checked: the key may have signed for another issuer.
  const auto payload = parse_object(payload_b64);
  if (!payload) return std::unexpected(token_error::malformed);
  const std::string* iss = string_member(*payload, "iss");
  const std::string* sub = string_member(*payload, "sub");
  const auto exp = integer_member(*payload, "exp");
  if (!iss || !sub || !exp) return std::unexpected(token_error::malformed);
  if (*iss != impl_->issuer) return std::unexpected(token_error::wrong_issuer);

  claims c;
  c.subject = *sub;
  c.expires_at = *exp;
  if (const auto iat = integer_member(*payload, "iat")) c.issued_at = *iat;
  if (const std::string* scope = string_member(*payload, "scope")) c.scope = *scope;
  if (const std::string* jti = string_member(*payload, "jti")) c.token_id = *jti;
  if (impl_->now() >= c.expires_at) return std::unexpected(token_error::expired);
  return c;
}

std::expected<claims, token_error> token_service::verify(std::string_view token) const {
  if (auto hit = impl_->cache.find(token)) {
    if (impl_->now() >= hit->expires_at) return std::unexpected(token_error::expired);
    return std::move(*hit);
  }
  auto result = verify_uncached(token);
  if (result) impl_->cache.insert(token, *result);
  return result;
}

std::expected<void, std::string> token_service::trust(std::string_view jwks) {
  auto doc = json::parse(jwks, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    return std::unexpected(std::string{"the JWK set is not a JSON object with a keys array"});
  std::unordered_map<std::string, std::shared_ptr<EVP_PKEY>> keys;
  ordered_json published = {{"keys", ordered_json::array()}};
  for (const auto& jwk : doc["keys"]) {
    const auto* kty = jwk.is_object() ? string_member(jwk, "kty") : nullptr;
    const auto* crv = kty ? string_member(jwk, "crv") : nullptr;
    const auto* x = crv ? string_member(jwk, "x") : nullptr;
    const auto* y = x ? string_member(jwk, "y") : nullptr;
    if (!y || *kty != "EC" || *crv != "P-256") continue;  // not a key ES256 tokens are signed with
    auto key = public_key(*x, *y);
    if (!key) return std::unexpected("the JWK set has a P-256 key that is not a point on the curve");
    auto kid = thumbprint(*x, *y);
    published["keys"].push_back(
        {{"kty", "EC"}, {"crv", "P-256"}, {"x", *x}, {"y", *y}, {"use", "sig"}, {"alg", "ES256"}, {"kid", kid}});
    keys.insert_or_assign(std::move(kid), std::move(*key));
  }
  if (keys.empty()) return std::unexpected(std::string{"the JWK set has no P-256 key"});
  std::unique_lock lock{impl_->trusted_mutex};
  impl_->trusted = std::move(keys);
  impl_->trusted_jwks = dump(published);
  return {};
}

bool token_service::signs() const { return impl_->signs; }

std::string token_service::jwks_json() const {
  if (impl_->signs) return impl_->jwks;
  std::shared_lock lock{impl_->trusted_mutex};
  return impl_->trusted_jwks;
}
const std::string& token_service::issuer() const { return impl_->issuer; }
std::chrono::seconds token_service::ttl() const { return impl_->ttl; }

}  // namespace ttareungyi::security
