#pragma once
// What a setup leaves for the runs: stations, bicycles and customers with their tokens, tickets
// and kept rentals; saved by --save-setup and read back by --load-setup (a file the bench loader
// writes too).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ttareungyi::bench::load {

using json = nlohmann::json;

struct customer {
  std::string id, phone, password, token;
  std::vector<std::string> tickets;  // paid, for reads; never ridden
  std::string rental, rental_bicycle;  // a reader's rental, kept active for `read`
  bool reader() const { return !rental.empty(); }
};

struct setup_data {
  std::string run_tag;
  std::vector<std::string> stations;
  std::vector<std::string> bicycles;  // for rides (the readers' bicycles are theirs)
  std::vector<customer> customers;
};

// The setup file's form (version 2).
json to_json(const setup_data& s);
// Reads version 1 (the loader's: no tokens, no rentals) and 2; nlohmann's exceptions when a
// field it needs is missing.
setup_data setup_from_json(const json& j);

}  // namespace ttareungyi::bench::load
