#include "ttareungyi/security/tokens.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "simulated_clock.hpp"
#include "temp_dir.hpp"
#include "ttareungyi/security/base64.hpp"

namespace ttareungyi::security {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::int64_t t0 = 1'700'000'000;

// A clock the test moves by hand.
// The simulated clock, set in whole seconds since the epoch as tokens count time.
struct token_clock {
  ttareungyi::test::simulated_clock clock{ttareungyi::test::epoch_seconds(t0)};
  token_service::clock_fn fn() const { return clock.seconds(); }
  void set(std::int64_t s) { clock.set(ttareungyi::test::epoch_seconds(s)); }
};

struct parts {
  std::string header, payload, signature;  // still base64url
};
parts split(const std::string& token) {
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}
std::string join(const parts& p) { return p.header + "." + p.payload + "." + p.signature; }
json decode_json(const std::string& b64) { return json::parse(base64url_decode(b64).value()); }
std::string encode_json(const json& j) { return base64url_encode(j.dump()); }

class Tokens : public ::testing::Test {
 protected:
  token_clock clock;
  token_service service{signing_key::generate(), "ttareungyi", 900s, clock.fn()};
};

TEST_F(Tokens, IssueVerifyRoundTrip) {
  const std::string token = service.issue("user-42", "rider");
  const auto c = service.verify(token);
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ(c->subject, "user-42");
  EXPECT_EQ(c->scope, "rider");
  EXPECT_EQ(c->issued_at, t0);
  EXPECT_EQ(c->expires_at, t0 + 900);
  EXPECT_EQ(c->token_id.size(), 32u);
  const auto again = service.verify_uncached(token);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->token_id, c->token_id);
  EXPECT_NE(service.issue("user-42", "rider"), token) << "every token gets its own jti";
}

TEST_F(Tokens, CompactJwsLayout) {
  const std::string token = service.issue("u", "s");
  const parts p = split(token);
  const json header = decode_json(p.header);
  const json kid = json::parse(service.jwks_json())["keys"][0]["kid"];
  EXPECT_EQ(header, (json{{"alg", "ES256"}, {"typ", "JWT"}, {"kid", kid}}));
  const json payload = decode_json(p.payload);
  EXPECT_EQ(payload["iss"], "ttareungyi");
  EXPECT_EQ(payload["sub"], "u");
  EXPECT_EQ(payload["scope"], "s");
  EXPECT_EQ(payload["iat"], t0);
  EXPECT_EQ(payload["exp"], t0 + 900);
  EXPECT_TRUE(payload["jti"].is_string());
  EXPECT_EQ(base64url_decode(p.signature).value().size(), 64u) << "raw R||S, not DER";
  EXPECT_EQ(service.issuer(), "ttareungyi");
  EXPECT_EQ(service.ttl(), 900s);
}

TEST_F(Tokens, OddSubjectsSurvive) {
  const std::string subject = "\"quoted\" \\ back\nslash \xed\x95\x9c";  // includes UTF-8 Hangul
  const auto c = service.verify(service.issue(subject, ""));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->subject, subject);
  EXPECT_EQ(c->scope, "");
  EXPECT_TRUE(service.verify(service.issue("bad utf-8 \xff", "x"))) << "issue never throws";
}

TEST_F(Tokens, TamperedPayloadRefused) {
  parts p = split(service.issue("user-1", "rider"));
  json payload = decode_json(p.payload);
  payload["scope"] = "admin";
  p.payload = encode_json(payload);
  EXPECT_EQ(service.verify(join(p)).error(), token_error::bad_signature);
  EXPECT_EQ(service.verify_uncached(join(p)).error(), token_error::bad_signature);
}

TEST_F(Tokens, TamperedSignatureRefused) {
  const parts good = split(service.issue("user-1", "rider"));
  for (std::size_t i : {0u, 31u, 32u, 63u}) {
    std::string raw = base64url_decode(good.signature).value();
    raw[i] = static_cast<char>(raw[i] ^ 0x01);
    parts p = good;
    p.signature = base64url_encode(raw);
    EXPECT_EQ(service.verify(join(p)).error(), token_error::bad_signature) << i;
  }
  parts p = good;
  p.signature = "";
  EXPECT_EQ(service.verify(join(p)).error(), token_error::bad_signature);
  p.signature = good.signature.substr(0, 40);
  EXPECT_EQ(service.verify(join(p)).error(), token_error::bad_signature);
  p.signature = good.signature + "AAAA";
  EXPECT_EQ(service.verify(join(p)).error(), token_error::bad_signature);
  // A DER signature (what OpenSSL produces natively) is not a valid JWS signature.
  p.signature = base64url_encode(std::string(70, '\x30'));
  EXPECT_EQ(service.verify(join(p)).error(), token_error::bad_signature);
}

TEST_F(Tokens, AlgNoneRefused) {
  parts p = split(service.issue("user-1", "rider"));
  p.header = encode_json({{"alg", "none"}, {"typ", "JWT"}});
  p.signature = "";
  EXPECT_EQ(service.verify(join(p)).error(), token_error::unsupported_algorithm);
  p.header = encode_json({{"alg", "None"}});
  EXPECT_EQ(service.verify(join(p)).error(), token_error::unsupported_algorithm);
}

TEST_F(Tokens, Hs256Refused) {
  // The classic confusion attack: an HMAC keyed with the public key material.
  parts p = split(service.issue("user-1", "admin"));
  p.header = encode_json({{"alg", "HS256"}, {"typ", "JWT"}});
  const std::string input = p.header + "." + p.payload;
  const std::string key = service.jwks_json();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), mac, &len);
  p.signature = base64url_encode(std::string(reinterpret_cast<char*>(mac), len));
  EXPECT_EQ(service.verify(join(p)).error(), token_error::unsupported_algorithm);
  for (const char* alg : {"ES384", "RS256", "PS256", "EdDSA", "es256", ""}) {
    p.header = encode_json({{"alg", alg}});
    EXPECT_EQ(service.verify(join(p)).error(), token_error::unsupported_algorithm) << alg;
  }
}

TEST_F(Tokens, MalformedRefused) {
  const parts good = split(service.issue("user-1", "rider"));
  const std::vector<std::string> bad = {
      "",
      "abc",
      "a.b",
      good.header + "." + good.payload,
      join(good) + ".",
      join(good) + ".x",
      "!!." + good.payload + "." + good.signature,
      base64url_encode("not json") + "." + good.payload + "." + good.signature,
      encode_json(json::array({"ES256"})) + "." + good.payload + "." + good.signature,
      encode_json({{"typ", "JWT"}}) + "." + good.payload + "." + good.signature,  // no alg
      encode_json({{"alg", 256}}) + "." + good.payload + "." + good.signature,
      std::string(10'000, 'A') + "." + good.payload + "." + good.signature,
  };
  for (const std::string& token : bad) {
    const auto r = service.verify(token);
    ASSERT_FALSE(r) << token;
    EXPECT_EQ(r.error(), token_error::malformed) << token;
  }
}

TEST_F(Tokens, ExpiredRefused) {
  const std::string token = service.issue("user-1", "rider");
  clock.set(t0 + 899);
  EXPECT_TRUE(service.verify_uncached(token));
  clock.set(t0 + 900);  // now >= exp
  EXPECT_EQ(service.verify_uncached(token).error(), token_error::expired);
  EXPECT_EQ(service.verify(token).error(), token_error::expired);
}

TEST_F(Tokens, ExpiredRefusedEvenWhenCached) {
  const std::string token = service.issue("user-1", "rider");
  ASSERT_TRUE(service.verify(token));  // now cached
  clock.set(t0 + 899);
  ASSERT_TRUE(service.verify(token));
  clock.set(t0 + 900);
  EXPECT_EQ(service.verify(token).error(), token_error::expired);
  clock.set(t0 + 100'000);
  EXPECT_EQ(service.verify(token).error(), token_error::expired);
}

TEST_F(Tokens, FailuresAreNotCached) {
  // An expired verdict must not stick once the clock says otherwise (e.g. a clock corrected backwards).
  const std::string token = service.issue("user-1", "rider");
  clock.set(t0 + 1000);
  EXPECT_EQ(service.verify(token).error(), token_error::expired);
  clock.set(t0 + 10);
  EXPECT_TRUE(service.verify(token));
}

TEST_F(Tokens, TokenFromAnotherKeyRefused) {
  token_service other(signing_key::generate(), "ttareungyi", 900s, clock.fn());
  const std::string foreign = other.issue("user-1", "rider");
  EXPECT_EQ(service.verify(foreign).error(), token_error::bad_signature);
  // Even when the header claims our kid.
  parts p = split(foreign);
  p.header = split(service.issue("x", "y")).header;
  EXPECT_EQ(service.verify(join(p)).error(), token_error::bad_signature);
  EXPECT_TRUE(other.verify(foreign));
}

// A gateway's verifier: the core's tokens, with the core's published key set; nothing before.
TEST_F(Tokens, AVerifierTakesTheTokensOfTheKeysItTrusts) {
  auto verifier = token_service::verifier("ttareungyi", 900s, clock.fn());
  EXPECT_FALSE(verifier.signs());
  const std::string token = service.issue("c-1", "customer");
  EXPECT_EQ(verifier.verify(token).error(), token_error::no_key) << "no key trusted yet";
  EXPECT_EQ(json::parse(verifier.jwks_json())["keys"].size(), 0u);

  ASSERT_TRUE(verifier.trust(service.jwks_json()));
  const auto c = verifier.verify(token);
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ(c->subject, "c-1");
  EXPECT_EQ(json::parse(verifier.jwks_json()), json::parse(service.jwks_json())) << "it publishes the keys it trusts";

  // Another key's token, even one claiming the trusted kid, and a tampered one, are refused.
  token_service other(signing_key::generate(), "ttareungyi", 900s, clock.fn());
  parts p = split(other.issue("c-1", "customer"));
  EXPECT_EQ(verifier.verify(join(p)).error(), token_error::bad_signature);
  p.header = split(token).header;
  EXPECT_EQ(verifier.verify(join(p)).error(), token_error::bad_signature);

  // Trusting another set replaces the first.
  ASSERT_TRUE(verifier.trust(other.jwks_json()));
  EXPECT_EQ(verifier.verify_uncached(token).error(), token_error::bad_signature);
  EXPECT_TRUE(verifier.verify(other.issue("c-2", "customer")));
}

TEST_F(Tokens, AVerifierRefusesKeySetsItCannotUse) {
  auto verifier = token_service::verifier("ttareungyi", 900s, clock.fn());
  EXPECT_FALSE(verifier.trust("not json"));
  EXPECT_FALSE(verifier.trust(R"({"keys":[]})"));
  EXPECT_FALSE(verifier.trust(R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})"));
  // A point that is not on the curve.
  const std::string x = base64url_encode(std::string(32, '\x01'));
  EXPECT_FALSE(verifier.trust(R"({"keys":[{"kty":"EC","crv":"P-256","x":")" + x + R"(","y":")" + x + R"("}]})"));
  EXPECT_FALSE(verifier.trust(R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]})"));
  // What it refused leaves what it trusted.
  ASSERT_TRUE(verifier.trust(service.jwks_json()));
  EXPECT_FALSE(verifier.trust("{}"));
  EXPECT_TRUE(verifier.verify(service.issue("c-1", "customer")));
}

TEST_F(Tokens, WrongIssuerRefused) {
  // Same key, different issuer: a signature check alone would accept it.
  testing::temp_dir dir{"ttareungyi-security"};
  const auto file = dir.path() / "key.pem";
  token_service a(signing_key::load_or_create(file).value(), "issuer-a", 900s, clock.fn());
  token_service b(signing_key::load_or_create(file).value(), "issuer-b", 900s, clock.fn());
  const std::string token = a.issue("user-1", "rider");
  EXPECT_TRUE(a.verify(token));
  EXPECT_EQ(b.verify(token).error(), token_error::wrong_issuer);
  EXPECT_EQ(b.verify_uncached(token).error(), token_error::wrong_issuer);
}

TEST_F(Tokens, CacheCanBeDisabledOrTiny) {
  for (std::size_t capacity : {0u, 1u, 3u}) {
    token_service s(signing_key::generate(), "iss", 60s, clock.fn(), capacity);
    std::vector<std::string> tokens;
    for (int i = 0; i < 10; ++i) tokens.push_back(s.issue("u" + std::to_string(i), "rider"));
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 10; ++i) {
        const auto c = s.verify(tokens[i]);
        ASSERT_TRUE(c);
        EXPECT_EQ(c->subject, "u" + std::to_string(i));
      }
    }
  }
}

TEST_F(Tokens, ConcurrentIssueAndVerify) {
  token_service s(signing_key::generate(), "iss", 60s, clock.fn(), 64);
  std::vector<std::string> shared;
  for (int i = 0; i < 50; ++i) shared.push_back(s.issue("shared-" + std::to_string(i), "rider"));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const std::string own = s.issue("t" + std::to_string(t), "rider");
        const auto a = s.verify(own);
        const auto b = s.verify(shared[(i * 7 + t) % shared.size()]);
        if (!a || a->subject != "t" + std::to_string(t) || !b) ++failures;
        if (s.verify(own + "x")) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
}

TEST(TokenError, Names) {
  EXPECT_EQ(to_string(token_error::malformed), "malformed");
  EXPECT_EQ(to_string(token_error::unsupported_algorithm), "unsupported_algorithm");
  EXPECT_EQ(to_string(token_error::bad_signature), "bad_signature");
  EXPECT_EQ(to_string(token_error::expired), "expired");
  EXPECT_EQ(to_string(token_error::wrong_issuer), "wrong_issuer");
  EXPECT_EQ(to_string(token_error::no_key), "no_key");
}

// ---------------------------------------------------------------------------------------------
// Keys and JWKS

TEST(SigningKey, LoadOrCreatePersistsAndReloads) {
  testing::temp_dir dir{"ttareungyi-security"};
  const auto file = dir.path() / "signing-key.pem";
  auto first = signing_key::load_or_create(file);
  ASSERT_TRUE(first) << first.error();
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(testing::file_mode(file), 0600u);
  auto second = signing_key::load_or_create(file);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(first->key_id(), second->key_id());
  EXPECT_EQ(first->jwk_json(), second->jwk_json());
  EXPECT_NE(first->key_id(), signing_key::generate().key_id());
  // Only the key file is left behind (no temporaries).
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator{}), 1);

  // A token issued with the first instance verifies with the reloaded one.
  token_service a(std::move(*first), "iss", 60s);
  token_service b(std::move(*second), "iss", 60s);
  EXPECT_TRUE(b.verify(a.issue("user", "rider")));
}

TEST(SigningKey, LoadErrors) {
  testing::temp_dir dir{"ttareungyi-security"};
  EXPECT_FALSE(signing_key::load_or_create(dir.path() / "missing-dir" / "key.pem"));

  const auto garbage = dir.path() / "garbage.pem";
  std::ofstream(garbage) << "not a key\n";
  EXPECT_FALSE(signing_key::load_or_create(garbage));

  // A valid PEM key of the wrong kind (P-384) is refused rather than silently used.
  const auto p384 = dir.path() / "p384.pem";
  {
    EVP_PKEY* key = EVP_EC_gen("P-384");
    ASSERT_NE(key, nullptr);
    BIO* bio = BIO_new_file(p384.c_str(), "w");
    ASSERT_NE(bio, nullptr);
    EXPECT_EQ(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
    BIO_free(bio);
    EVP_PKEY_free(key);
  }
  const auto r = signing_key::load_or_create(p384);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("P-256"), std::string::npos) << r.error();
}

TEST(SigningKey, JwkAndThumbprint) {
  const signing_key key = signing_key::generate();
  const json jwk = json::parse(key.jwk_json());
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["alg"], "ES256");
  EXPECT_EQ(jwk["kid"], key.key_id());
  EXPECT_FALSE(jwk.contains("d")) << "never publish the private part";
  EXPECT_EQ(base64url_decode(jwk["x"].get<std::string>()).value().size(), 32u);
  EXPECT_EQ(base64url_decode(jwk["y"].get<std::string>()).value().size(), 32u);

  // RFC 7638 thumbprint, recomputed here.
  const std::string canonical = R"({"crv":"P-256","kty":"EC","x":")" + jwk["x"].get<std::string>() + R"(","y":")" +
                                jwk["y"].get<std::string>() + R"("})";
  unsigned char digest[32];
  unsigned int len = 0;
  ASSERT_EQ(EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(), nullptr), 1);
  EXPECT_EQ(key.key_id(), base64url_encode(std::string(reinterpret_cast<char*>(digest), len)));
  EXPECT_EQ(key.key_id().size(), 43u);

  signing_key moved = signing_key::generate();
  signing_key target = std::move(moved);
  EXPECT_EQ(target.key_id().size(), 43u);
}

TEST(SigningKey, JwksContainsKid) {
  signing_key key = signing_key::generate();
  const std::string kid = key.key_id();
  const std::string jwk = key.jwk_json();
  token_service service(std::move(key), "iss", 60s);
  const json jwks = json::parse(service.jwks_json());
  ASSERT_EQ(jwks["keys"].size(), 1u);
  EXPECT_EQ(jwks["keys"][0]["kid"], kid);
  EXPECT_EQ(jwks["keys"][0], json::parse(jwk));
}

// A verifier that knows only the published JWK (as a third party would) accepts our tokens.
TEST(SigningKey, TokensVerifyWithThePublishedJwk) {
  token_service service(signing_key::generate(), "iss", 60s);
  const json jwk = json::parse(service.jwks_json())["keys"][0];
  const std::string point = "\x04" + base64url_decode(jwk["x"].get<std::string>()).value() +
                            base64url_decode(jwk["y"].get<std::string>()).value();

  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  ASSERT_NE(bld, nullptr);
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* fctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* pub = nullptr;
  ASSERT_EQ(EVP_PKEY_fromdata_init(fctx), 1);
  ASSERT_EQ(EVP_PKEY_fromdata(fctx, &pub, EVP_PKEY_PUBLIC_KEY, params), 1);

  const std::string token = service.issue("user", "rider");
  const parts p = split(token);
  const std::string input = p.header + "." + p.payload;
  const std::string raw = base64url_decode(p.signature).value();
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, pub), 1);
  EXPECT_EQ(EVP_DigestVerify(md, der, der_len, reinterpret_cast<const unsigned char*>(input.data()), input.size()), 1);

  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  EVP_PKEY_free(pub);
  EVP_PKEY_CTX_free(fctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
}

}  // namespace
}  // namespace ttareungyi::security
