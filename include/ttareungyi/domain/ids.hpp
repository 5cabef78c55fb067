#pragma once
// Ids as types of their own: a ticket id is not a customer id, and the compiler says so. An
// id is text chosen by someone else (a client, the server's id generator); the domain only
// compares, orders and shows it. Made from a std::string explicitly, where text becomes an id
// (the HTTP edge, storage, the id generator); from a string literal implicitly, so fixed ids
// and tests read naturally. Read as a std::string_view wherever text is wanted.
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace ttareungyi::domain {

template <class Tag>
class identifier {
 public:
  identifier() = default;
  explicit identifier(std::string text) : text_(std::move(text)) {}
  template <std::size_t N>
    requires(N > 1)
  identifier(const char (&text)[N]) : text_(text) {}  // NOLINT: implicit on purpose
  // No id is written "": "none" is an empty std::optional, so `id == ""` does not compile.
  identifier(const char (&)[1]) = delete;

  const std::string& str() const noexcept { return text_; }
  operator std::string_view() const noexcept { return text_; }  // NOLINT: implicit on purpose
  bool empty() const noexcept { return text_.empty(); }

  friend bool operator==(const identifier&, const identifier&) = default;
  friend auto operator<=>(const identifier&, const identifier&) = default;
  friend std::ostream& operator<<(std::ostream& out, const identifier& id) { return out << id.text_; }

 private:
  std::string text_;
};

namespace ids {
using customer_id = identifier<struct customer_tag>;
using ticket_id = identifier<struct ticket_tag>;
using bicycle_id = identifier<struct bicycle_tag>;  // the plate, e.g. SPB-31542
using rental_id = identifier<struct rental_tag>;
using station_id = identifier<struct station_tag>;
using alert_id = identifier<struct alert_tag>;
}  // namespace ids

}  // namespace ttareungyi::domain

template <class Tag>
struct std::hash<ttareungyi::domain::identifier<Tag>> {
  std::size_t operator()(const ttareungyi::domain::identifier<Tag>& id) const noexcept {
    return std::hash<std::string_view>{}(id.str());
  }
};
