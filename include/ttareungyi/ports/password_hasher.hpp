#pragma once
// How the identity context keeps passwords: a slow salted hash, checked in constant time.
#include <string>
#include <string_view>

namespace ttareungyi::ports {

class password_hasher {
 public:
  virtual ~password_hasher() = default;
  virtual std::string hash(std::string_view password) const = 0;
  virtual bool verify(std::string_view password, std::string_view hash) const = 0;
};

}  // namespace ttareungyi::ports
