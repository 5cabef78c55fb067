#pragma once
// What an endpoint of API v1 declares and what its handler is given. The route table
// (endpoints.cpp) says, per endpoint, who may call it, what body it takes, whether it honours
// Idempotency-Key and which handler answers it; api.cpp runs those checks, once, for every
// endpoint, in this order:
//   1. the per-peer rate limit (endpoints without a token that create something),
//   2. the bearer token and its scope, then the rate limit of the token's subject,
//   3. the {id} of the path,
//   4. the body (415/400),
//   5. the handler, which reads what it needs (query, body) and refuses or gives its work,
//   6. the work, under the request's Idempotency-Key where the endpoint honours it.
#include <atomic>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "auth.hpp"
#include "gbfs.hpp"
#include "message.hpp"
#include "problem.hpp"
#include "routes.hpp"
#include "ttareungyi/app/services.hpp"
#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/ports/token_signer.hpp"
#include "ttareungyi/security/operator_clients.hpp"
#include "ttareungyi/security/tokens.hpp"

namespace ttareungyi::http {

// The token an endpoint needs: none, or one whose scope is among those it accepts.
enum class scope { none, customer, operator_, customer_or_operator };

// The body an endpoint takes:
// * unchecked: not looked at by the policy (GET and DELETE ignore it; the token endpoint's form
//   is checked by its own parser, in its own error form),
// * none: no body at all, or a JSON one (ignored); anything else is 415,
// * json: a JSON body is required (400 without one, 415 with another media type).
enum class body { unchecked, none, json };

// How the policy's own refusals of an endpoint are written: problem details, or the token
// endpoint's error form (RFC 6749 section 5.2).
enum class refusal_form { problem, oauth };

// The late token replies check this before they touch the token service: api::close() shuts it.
struct reply_gate {
  std::shared_mutex mutex;
  bool open = true;
};

// The public feeds' settings (feeds.cpp), and what the feeds remember between answers.
struct feed_settings {
  std::string public_url;     // base of the feeds' absolute URLs; empty: from the request's Host
  std::string contact_email;  // GBFS feed_contact_email
  std::shared_ptr<gbfs::versions> versions = std::make_shared<gbfs::versions>();
};

// What the handlers share, owned by the api.
struct endpoint_services {
  app::services app;
  const security::token_service& tokens;
  std::shared_ptr<const ports::token_signer> signer;  // the tokens this node signs itself (token_desk.hpp)
  const domain::clock& clock;  // remainingSeconds of the current rental
  feed_settings feeds;
  std::atomic<bool> draining{false};  // /health/ready answers 503 while set
  std::function<std::string()> metrics;  // GET /metrics: the exposition text; empty: 404
  std::shared_ptr<reply_gate> gate = std::make_shared<reply_gate>();
};

// A request that passed the policy's checks, as its handler sees it.
struct call {
  const request& req;
  const principal& who;   // the token's subject and scope; empty for endpoints without a token
  const std::string& id;  // the path's {id}, decoded and checked; empty for paths without one
  const endpoint_services& services;
  stream_opener* streams;  // for GET /v1/notifications/stream; may be nullptr

  // The token's subject as a customer (for endpoints of scope customer).
  domain::ids::customer_id customer() const { return domain::ids::customer_id{who.subject}; }
  // The path's {id} as the id of what the path names.
  template <class Id>
  Id path_id() const {
    return Id{id};
  }
};

// What an endpoint does once its request was read: it answers through the responder it is given
// (which keeps the answer under an Idempotency-Key). It runs at once, before the policy returns,
// so it may hold the call by reference; the replies it hands to the facade may not.
using work = std::function<void(responder)>;

// Reads what the policy did not (query, body) and refuses with a problem, or gives its work.
using handler = checked<work> (*)(const call&);

struct endpoint_policy {
  endpoint target;
  http::scope scope = http::scope::none;
  http::body body = http::body::unchecked;
  bool idempotent = false;  // Idempotency-Key honoured
  bool per_peer_limit = false;  // rate limited per client address (endpoints without a token)
  refusal_form refusals = refusal_form::problem;
  handler handle = nullptr;
};

// The policy of every endpoint the routes know.
const endpoint_policy& policy_of(endpoint target) noexcept;

}  // namespace ttareungyi::http
