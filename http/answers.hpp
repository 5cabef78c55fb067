#pragma once
// How the endpoints answer: the replies handed to the facade (rendering its value, or its
// refusal as a problem) and the usual successful answers.
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "json_mapping.hpp"
#include "message.hpp"
#include "problem.hpp"
#include "ttareungyi/app/services.hpp"

namespace ttareungyi::http {

// The answer to a refusal of the facade. Internal failures and unavailable dependencies are
// logged here (with the domain's detail, which the client never sees for internal ones).
response error_response(const domain::error& e);

// Runs `make` and turns anything it throws into a 500 problem.
template <class Make>
response guarded(Make&& make) noexcept {
  try {
    return make();
  } catch (const std::exception& ex) {
    spdlog::warn("http: failed to build an answer: {}", ex.what());
  } catch (...) {
    spdlog::warn("http: failed to build an answer: unknown exception");
  }
  return to_response(internal_problem());
}

// The reply callback handed to the facade: renders its value with `on_value`, or its error.
template <class T, class OnValue>
app::reply<T> answer(const responder& respond, OnValue on_value) {
  return [respond, on_value = std::move(on_value)](domain::result<T> result) {
    respond(guarded([&]() -> response {
      if (!result) return error_response(result.error());
      if constexpr (std::is_void_v<T>) {
        return on_value();
      } else {
        return on_value(*result);
      }
    }));
  };
}

response ok(const json& doc);
// 201 with the Location of what was created.
response created(const json& doc, std::string location);
// "/v1/tickets/<id>", the id percent-encoded.
std::string location(std::string_view collection, std::string_view id);

// The reply that answers 200 with the value as JSON.
template <class T>
app::reply<T> ok_answer(const responder& respond) {
  return answer<T>(respond, [](const T& value) { return ok(to_json(value)); });
}

// The reply of an endpoint that creates something: 201 with it as JSON and its Location,
// `collection` (a literal: the reply keeps it) and the id `id_of` reads from it.
template <class T, class IdOf>
app::reply<T> created_answer(const responder& respond, std::string_view collection, IdOf id_of) {
  return answer<T>(respond, [collection, id_of = std::move(id_of)](const T& value) {
    return created(to_json(value), location(collection, std::invoke(id_of, value)));
  });
}

// The reply of a list endpoint: 200 with the page, {items: [...], next} (page_json).
template <class T>
app::reply<app::page<T>> page_answer(const responder& respond) {
  return answer<app::page<T>>(respond, [](const app::page<T>& page) { return ok(page_json(page)); });
}

}  // namespace ttareungyi::http
