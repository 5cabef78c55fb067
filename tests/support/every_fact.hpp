#pragma once
// Test data every suite may share: one journal fact of each kind.
#include <chrono>
#include <string>
#include <vector>

#include "ttareungyi/domain/events.hpp"

namespace ttareungyi::test {

// One event of every payload type, in variant order, at t0 and a millisecond apart, numbered
// ev-0, ev-1, ... with versions 1 to 3. The storage tests hold their stored bytes to it: change
// it only with them.
inline std::vector<domain::event> one_of_each_event(domain::instant t0) {
  using namespace std::chrono_literals;
  using namespace domain;
  std::vector<event_payload> payloads{
      customer_registered{"cust-1", "01012345678", "홍길동"},
      ticket_purchased{"tk-1", "cust-1", "2h", 2000},
      ticket_paid{"tk-1", "cust-1", "tk-1-1", 2000},
      ticket_payment_failed{"tk-1", "cust-1", "tk-1-2"},
      ticket_put_in_use{"tk-1", "cust-1", "rt-1"},
      ticket_released{"tk-1", "cust-1", "rt-1"},
      ticket_used{"tk-1", "cust-1", "rt-1"},
      ticket_cancelled{"tk-1", "cust-1", 2000},
      ticket_refunded{"tk-1", "cust-1", "tk-1-1", 2000},
      station_registered{"ST-1", "여의나루역", 20},
      bicycle_registered{"SPB-1", "ST-1"},
      bicycle_deleted{"SPB-1", "ST-1"},
      bicycle_rented{"rt-1", "SPB-1", "tk-1", "cust-1", "ST-1", t0, t0 + 1h},
      bicycle_returned{"rt-1", "SPB-1", "tk-1", "cust-1", "ST-2", t0 + 66min, 6, 400},
      payment_approved{"tk-1-1", "tk-1", 2000},
      payment_declined{"tk-1-2", "tk-1", 2000},
      payment_refunded{"tk-1-1", "tk-1", 2000},
      alert_posted{"al_1", "station_closure", t0, t0 + 2h},
  };
  std::vector<event> out;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    event e{"ev-" + std::to_string(i), "corr-1", "req-1", t0, 1, std::move(payloads[i])};
    e.at = t0 + std::chrono::milliseconds{static_cast<int>(i)};
    e.version = static_cast<int>(i % 3) + 1;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace ttareungyi::test
