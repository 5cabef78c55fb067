#include "ttareungyi/domain/error.hpp"

namespace ttareungyi::domain {

error invalid(std::string detail) { return {error_kind::invalid, error_code::invalid_request, std::move(detail)}; }
error not_found(error_code code, std::string detail) { return {error_kind::not_found, code, std::move(detail)}; }
error conflict(error_code code, std::string detail) { return {error_kind::conflict, code, std::move(detail)}; }
error internal(std::string detail) { return {error_kind::internal, error_code::internal_error, std::move(detail)}; }

}  // namespace ttareungyi::domain
