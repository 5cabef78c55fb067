// ttareungyi-payment-ledger DATA_DIR: what a payment node's own store says was charged and
// refunded, for the nodes crash test, which reads it after the payment node has stopped (the
// core never reads payment records; the test compares them with the tickets the core answers).
// Prints one JSON object: {"approved": {TICKET: N}, "refunded": {TICKET: N}, "refundedKrw": K}
// from the payment node's journal (payment_approved and payment_refunded, by reference).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <variant>

#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/storage/rocksdb_storage.hpp"

int main(int argc, char** argv) {
  using namespace ttareungyi;
  if (argc != 2) {
    std::cerr << "usage: ttareungyi-payment-ledger DATA_DIR\n";
    return 2;
  }
  auto opened = storage::open_rocksdb({std::filesystem::path{argv[1]} / "db", true});
  if (!opened) {
    std::cerr << "cannot open " << argv[1] << ": " << opened.error().message << "\n";
    return 1;
  }
  nlohmann::json out = {{"approved", nlohmann::json::object()}, {"refunded", nlohmann::json::object()}};
  domain::money refunded_krw = 0;
  for (std::uint64_t after = 0;;) {
    auto batch = (*opened)->events_after(after, 10'000);
    if (!batch) {
      std::cerr << "journal: " << batch.error().message << "\n";
      return 1;
    }
    if (batch->empty()) break;
    for (const auto& e : *batch) {
      after = e.sequence;
      if (auto* a = std::get_if<domain::payment_approved>(&e.event().payload)) {
        auto& n = out["approved"][a->reference];
        n = n.is_null() ? 1 : n.get<int>() + 1;
      }
      if (auto* r = std::get_if<domain::payment_refunded>(&e.event().payload)) {
        auto& n = out["refunded"][r->reference];
        n = n.is_null() ? 1 : n.get<int>() + 1;
        refunded_krw += r->amount;
      }
    }
  }
  out["refundedKrw"] = refunded_krw;
  std::cout << out.dump() << "\n";
  return 0;
}
