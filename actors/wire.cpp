#include "wire.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

#include <map>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <variant>

#include "interfaces.hpp"
#include "read_side/partitions.hpp"
#include "ttareungyi/app/services.hpp"
#include "ttareungyi/ports/payment_provider.hpp"

namespace ttareungyi::actors {

namespace {

// An error code crosses nodes as its number, 0 for none; a number this build does not know
// (a newer node's code) arrives as none, so the client sees the kind's generic code.
int wire_code(std::optional<domain::error_code> code) { return code ? static_cast<int>(*code) + 1 : 0; }

std::optional<domain::error_code> from_wire_code(int n) {
  if (n < 1 || n > static_cast<int>(domain::last_error_code) + 1) return std::nullopt;
  return static_cast<domain::error_code>(n - 1);
}


// Every type that crosses a context, registered with CAF and folded into the wire fingerprint:
// its name, and for a described type each member's name and C++ type in wire order; then the
// interfaces offered to other nodes. A node whose messages would read differently, or whose
// contexts answer other messages, has another fingerprint.
class registrar {
 public:
  explicit registrar(caf::actor_system_config* cfg) : cfg_(cfg) { fold(std::to_string(wire_protocol)); }

  template <class T>
  registrar& add(const char* name) {
    if (cfg_) cfg_->add_message_type<T>(name);
    fold(name);
    fold_members<T>();
    return *this;
  }

  // A variant travels as its alternative's index and members (the journal's event payload).
  template <class Variant>
  registrar& alternatives() {
    [this]<std::size_t... I>(std::index_sequence<I...>) {
      (fold_members<std::variant_alternative_t<I, Variant>>(), ...);
    }(std::make_index_sequence<std::variant_size_v<Variant>>{});
    return *this;
  }

  // A typed interface offered to other nodes: its mangled name spells every message and reply.
  template <class Interface>
  registrar& offer() {
    fold(typeid(Interface).name());
    return *this;
  }

  std::uint64_t digest() const { return digest_; }

 private:
  template <class T>
  void fold_members() {
    if constexpr (described<T>) {
      T sample{};
      fields(sample, [this](const char* record, auto... members) {
        fold(record);
        (fold(members.name), ...);
        (fold(typeid(members.value).name()), ...);
      });
    }
  }

  // FNV-1a, 64 bits: stable across builds and machines, which std::hash is not.
  void fold(std::string_view text) {
    for (unsigned char c : text) digest_ = (digest_ ^ c) * 0x100000001b3ULL;
    digest_ = (digest_ ^ 0xff) * 0x100000001b3ULL;  // a separator, so "ab","c" is not "a","bc"
  }

  caf::actor_system_config* cfg_;
  std::uint64_t digest_ = 0xcbf29ce484222325ULL;
};

registrar& every_message_type(registrar&& r) {
  return r
      .add<domain::ids::customer_id>("ttareungyi::customer_id")
      .add<domain::ids::ticket_id>("ttareungyi::ticket_id")
      .add<domain::ids::bicycle_id>("ttareungyi::bicycle_id")
      .add<domain::ids::rental_id>("ttareungyi::rental_id")
      .add<domain::ids::station_id>("ttareungyi::station_id")
      .add<domain::ids::alert_id>("ttareungyi::alert_id")
      .add<domain::alert>("ttareungyi::alert")
      .add<std::vector<domain::alert>>("std::vector<ttareungyi::alert>")
      .add<domain::alert_request>("ttareungyi::alert_request")
      .add<domain::ticket>("ttareungyi::ticket")
      .add<std::vector<domain::ticket>>("std::vector<ttareungyi::ticket>")
      .add<domain::ticket_type>("ttareungyi::ticket_type")
      .add<domain::station>("ttareungyi::station")
      .add<app::station_view>("ttareungyi::station_view")
      .add<std::vector<app::station_view>>("std::vector<ttareungyi::station_view>")
      .add<std::vector<domain::station>>("std::vector<ttareungyi::station>")
      .add<domain::station_count>("ttareungyi::station_count")
      .add<std::vector<domain::station_count>>("std::vector<ttareungyi::station_count>")
      .add<domain::current_rental>("ttareungyi::current_rental")
      .add<domain::notification>("ttareungyi::notification")
      .add<std::vector<domain::notification>>("std::vector<ttareungyi::notification>")
      .add<domain::bicycle>("ttareungyi::bicycle")
      .add<std::vector<domain::bicycle>>("std::vector<ttareungyi::bicycle>")
      .add<domain::rental>("ttareungyi::rental")
      .add<domain::rent_request>("ttareungyi::rent_request")
      .add<domain::sign_up_request>("ttareungyi::sign_up_request")
      .add<app::customer_profile>("ttareungyi::customer_profile")
      .add<ports::charge_request>("ttareungyi::charge_request")
      .add<domain::overtime_charge>("ttareungyi::overtime_charge")
      .add<ports::refund_request>("ttareungyi::refund_request")
      .add<domain::charge_verdict>("ttareungyi::charge_verdict")
      .add<domain::payment>("ttareungyi::payment")
      .add<std::map<std::string, std::string>>("std::map<std::string,std::string>")
      .add<app::page_request>("ttareungyi::page_request")
      .add<app::bicycle_query>("ttareungyi::bicycle_query")
      .add<app::new_station>("ttareungyi::new_station")
      .add<app::new_bicycle>("ttareungyi::new_bicycle")
      .add<app::page<domain::ticket>>("ttareungyi::page<ttareungyi::ticket>")
      .add<app::page<domain::station>>("ttareungyi::page<ttareungyi::station>")
      .add<app::page<app::station_view>>("ttareungyi::page<ttareungyi::station_view>")
      .add<app::page<domain::bicycle>>("ttareungyi::page<ttareungyi::bicycle>")
      .add<app::page<domain::notification>>("ttareungyi::page<ttareungyi::notification>")
      .add<ports::recorded_event>("ttareungyi::recorded_event")
      .add<std::vector<ports::recorded_event>>("std::vector<ttareungyi::recorded_event>")
      .alternatives<domain::event_payload>()
      .add<partition_claim>("ttareungyi::partition_claim")
      .add<partition_assignment>("ttareungyi::partition_assignment")
      .add<partition_commit>("ttareungyi::partition_commit")
      .add<ride_receipt>("ttareungyi::ride_receipt")
      .add<ports::issued_token>("ttareungyi::issued_token")
      .add<ports::kept_answer>("ttareungyi::kept_answer")
      .add<std::vector<ports::kept_answer>>("std::vector<ttareungyi::kept_answer>");
}

}  // namespace

void register_message_types(caf::actor_system_config& cfg) { every_message_type(registrar{&cfg}); }

std::uint64_t wire_fingerprint() {
  static const std::uint64_t fingerprint = every_message_type(registrar{nullptr}).offer<payment_actor>().offer<core_actor>().digest();
  return fingerprint;
}

caf::error to_caf(const domain::error& e) {
  return caf::error{static_cast<std::uint8_t>(static_cast<int>(e.kind) + 1), domain_error_category,
                    caf::make_message(wire_code(e.code), e.detail, e.ids, e.retry_after_seconds)};
}

domain::error from_caf(const caf::error& e) {
  if (e.category() == domain_error_category) {
    domain::error out{static_cast<domain::error_kind>(e.code() - 1)};
    const auto& ctx = e.context();
    if (ctx.match_elements<int, std::string, std::map<std::string, std::string>, int>()) {
      out.code = from_wire_code(ctx.get_as<int>(0));
      out.detail = ctx.get_as<std::string>(1);
      out.ids = ctx.get_as<std::map<std::string, std::string>>(2);
      out.retry_after_seconds = ctx.get_as<int>(3);
    }
    return out;
  }
  if (e.category() == caf::atom("system") && e.code() == static_cast<std::uint8_t>(caf::sec::request_timeout)) {
    domain::error out{domain::error_kind::unavailable, domain::error_code::timeout, "the request took too long; try again later"};
    out.retry_after_seconds = 1;
    return out;
  }
  return domain::internal("actor failure: " + std::to_string(e.code()));
}

}  // namespace ttareungyi::actors
