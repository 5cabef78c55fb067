#pragma once
// A RESTinio request as the adapter's own request model (message.hpp), copied once on the I/O
// thread that received it.
#include <restinio/all.hpp>

#include "message.hpp"

namespace ttareungyi::http {

request to_model(const restinio::request_t& req);

}  // namespace ttareungyi::http
