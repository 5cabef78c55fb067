#include "ttareungyi/domain/error.hpp"

namespace ttareungyi::domain {

error invalid(std::string detail) { return {error_kind::invalid, "invalid_request", std::move(detail)}; }
error not_found(std::string code, std::string detail) { return {error_kind::not_found, std::move(code), std::move(detail)}; }
error conflict(std::string code, std::string detail) { return {error_kind::conflict, std::move(code), std::move(detail)}; }
error internal(std::string detail) { return {error_kind::internal, "internal_error", std::move(detail)}; }

}  // namespace ttareungyi::domain
