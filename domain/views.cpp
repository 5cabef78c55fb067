#include "ttareungyi/domain/views.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <limits>
#include <type_traits>
#include <utility>
#include <variant>

#include "ttareungyi/domain/ticket.hpp"

namespace ttareungyi::domain {
namespace {

// 1234567 -> "1,234,567" (KRW has no fractions).
std::string grouped(money amount) {
  const bool negative = amount < 0;
  // Magnitude as unsigned, so that the most negative value does not overflow.
  std::uint64_t v = negative ? std::uint64_t{0} - static_cast<std::uint64_t>(amount) : static_cast<std::uint64_t>(amount);
  std::string digits;
  int n = 0;
  do {
    if (n > 0 && n % 3 == 0) digits.push_back(',');
    digits.push_back(static_cast<char>('0' + v % 10));
    v /= 10;
    ++n;
  } while (v != 0);
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::string won(money amount) { return grouped(amount) + "원"; }
std::string krw(money amount) { return grouped(amount) + " KRW"; }

// Seoul time: KST is UTC+9 all year (no daylight saving).
constexpr std::chrono::hours kst_offset{9};

struct local_time {
  std::chrono::sys_days day;
  std::string hh_mm;
  std::string m_d;  // e.g. "11/25"
};

local_time in_kst(instant t) {
  using namespace std::chrono;
  const auto local = t + kst_offset;
  const auto day = floor<days>(local);
  const hh_mm_ss hms{floor<minutes>(local - day)};
  const year_month_day ymd{day};
  char hm[8];
  std::snprintf(hm, sizeof hm, "%02d:%02d", static_cast<int>(hms.hours().count()) % 100,
                static_cast<int>(hms.minutes().count()) % 100);
  char md[8];
  std::snprintf(md, sizeof md, "%u/%u", static_cast<unsigned>(ymd.month()) % 100u,
                static_cast<unsigned>(ymd.day()) % 100u);
  return {day, hm, md};
}

// "HH:MM", prefixed with the date ("M/D HH:MM") when it falls on another day (in Seoul) than
// `from`, e.g. a ride started at 23:30 and due at 01:30.
std::string kst_clock(instant t, instant from) {
  const auto at = in_kst(t);
  if (at.day == in_kst(from).day) return at.hh_mm;
  return at.m_d + " " + at.hh_mm;
}

// The pass a payment of `amount` buys, when exactly one ticket type costs that much.
std::optional<ticket_type> type_priced(money amount) {
  std::optional<ticket_type> found;
  int matches = 0;
  for (auto type : {ticket_type::one_hour, ticket_type::two_hours}) {
    if (terms_of(type).price == amount) {
      found = type;
      ++matches;
    }
  }
  if (matches != 1) return std::nullopt;
  return found;
}

// "1시간권" / "1-hour pass" from the ride time of the type.
std::pair<std::string, std::string> pass_names(ticket_type type) {
  const auto ride = terms_of(type).ride_time;
  if (ride.count() % 60 == 0) {
    const auto hours = std::to_string(ride.count() / 60);
    return {hours + "시간권", hours + "-hour pass"};
  }
  const auto minutes = std::to_string(ride.count());
  return {minutes + "분권", minutes + "-minute pass"};
}

struct texts {
  ids::customer_id customer_id;
  std::string ko;
  std::string en;
};

struct describe {
  std::optional<texts> operator()(const ticket_paid& e) const {
    std::string ko = "이용권 결제 완료: ";
    std::string en = "Ticket paid: ";
    if (auto type = type_priced(e.amount)) {
      auto [name_ko, name_en] = pass_names(*type);
      ko += name_ko + " ";
      en += name_en + ", ";
    }
    ko += won(e.amount);
    en += krw(e.amount);
    return texts{e.customer_id, std::move(ko), std::move(en)};
  }

  std::optional<texts> operator()(const ticket_refunded& e) const {
    // (Not `"literal" + won(...)`: GCC 12 gives a false -Wrestrict for that at -O3.)
    std::string ko = "이용권 환불 완료: ";
    std::string en = "Ticket refunded: ";
    ko += won(e.amount);
    en += krw(e.amount);
    return texts{e.customer_id, std::move(ko), std::move(en)};
  }

  std::optional<texts> operator()(const bicycle_rented& e) const {
    const auto due = kst_clock(e.due_at, e.rented_at);
    return texts{e.customer_id,
                 "자전거 " + e.bicycle_id.str() + " 대여 시작 (대여소 " + e.from_station_id.str() + "). 반납 기한 " + due + " (KST)",
                 "Bicycle " + e.bicycle_id.str() + " rented at station " + e.from_station_id.str() + ". Return by " + due +
                     " KST."};
  }

  std::optional<texts> operator()(const bicycle_returned& e) const {
    std::string ko = "자전거 " + e.bicycle_id.str() + " 반납 완료 (대여소 " + e.to_station_id.str() + ").";
    std::string en = "Bicycle " + e.bicycle_id.str() + " returned at station " + e.to_station_id.str() + ".";
    if (e.overtime_minutes > 0 || e.overtime_fee > 0) {
      const auto minutes = std::to_string(e.overtime_minutes);
      ko += " 초과 " + minutes + "분, 초과요금 " + won(e.overtime_fee);
      en += " Overtime " + minutes + " min, fee " + krw(e.overtime_fee) + ".";
    }
    return texts{e.customer_id, std::move(ko), std::move(en)};
  }

  template <class Other>
  std::optional<texts> operator()(const Other&) const {
    return std::nullopt;
  }
};

// The entry of a station, created (capacity 0, no bicycles) if the view has not seen it yet.
station_count& entry(std::map<ids::station_id, station_count>& counts, const ids::station_id& station_id) {
  auto [it, created] = counts.try_emplace(station_id);
  if (created) it->second.station_id = station_id;
  return it->second;
}

}  // namespace

std::optional<notification> notify(std::uint64_t sequence, const event& e) {
  auto text = std::visit(describe{}, e.payload);
  if (!text) return std::nullopt;
  notification n;
  n.id = "n_";
  n.id += e.id;
  n.sequence = sequence;
  n.customer_id = std::move(text->customer_id);
  n.kind = std::string{type_name(e.payload)};
  n.message_ko = std::move(text->ko);
  n.message_en = std::move(text->en);
  n.correlation_id = e.correlation_id;
  n.created_at = e.at;
  return n;
}

std::int64_t remaining_seconds(const current_rental& r, instant now) {
  if (now >= r.due_at) return 0;
  // Whole seconds: 1.9 s left shows as 1.
  return std::chrono::floor<std::chrono::seconds>(r.due_at - now).count();
}

std::optional<rental_view_change> project_rental(const event& e) {
  if (const auto* rented = std::get_if<bicycle_rented>(&e.payload)) {
    return rental_view_change{rented->customer_id, rented->rental_id,
                              current_rental{.customer_id = rented->customer_id,
                                             .rental_id = rented->rental_id,
                                             .bicycle_id = rented->bicycle_id,
                                             .ticket_id = rented->ticket_id,
                                             .from_station_id = rented->from_station_id,
                                             .rented_at = rented->rented_at,
                                             .due_at = rented->due_at}};
  }
  if (const auto* returned = std::get_if<bicycle_returned>(&e.payload))
    return rental_view_change{returned->customer_id, returned->rental_id, std::nullopt};
  return std::nullopt;
}

std::vector<station_count> project_availability(std::map<ids::station_id, station_count>& counts, const event& e) {
  // Applies `change` to the station's entry and reports it if it is new or its counts moved.
  auto apply = [&counts](const ids::station_id& station_id, auto&& change) -> std::vector<station_count> {
    if (station_id.empty()) return {};  // not parked anywhere: nothing to count
    const bool known = counts.contains(station_id);
    station_count& c = entry(counts, station_id);
    const station_count before = c;
    change(c);
    c.bicycles_available = std::max(c.bicycles_available, 0);
    if (known && c == before) return {};
    return {c};
  };
  auto add = [](int delta) {
    return [delta](station_count& c) {
      // Saturating: a count never wraps, whatever the journal holds.
      if (delta > 0 && c.bicycles_available > std::numeric_limits<int>::max() - delta) return;
      c.bicycles_available += delta;
    };
  };
  return std::visit(
      [&](const auto& p) -> std::vector<station_count> {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, station_registered>)
          return apply(p.station_id, [&](station_count& c) { c.capacity = p.capacity; });
        else if constexpr (std::is_same_v<T, bicycle_registered>)
          return apply(p.station_id, add(+1));
        else if constexpr (std::is_same_v<T, bicycle_deleted>)
          return apply(p.station_id, add(-1));  // a rented bicycle cannot be deleted: it was parked here
        else if constexpr (std::is_same_v<T, bicycle_rented>)
          return apply(p.from_station_id, add(-1));
        else if constexpr (std::is_same_v<T, bicycle_returned>)
          return apply(p.to_station_id, add(+1));
        else
          return {};
      },
      e.payload);
}

}  // namespace ttareungyi::domain
