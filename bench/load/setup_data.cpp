#include "setup_data.hpp"

namespace ttareungyi::bench::load {

json to_json(const setup_data& s) {
  json cs = json::array();
  for (const auto& c : s.customers) {
    json x{{"id", c.id}, {"phone", c.phone}, {"password", c.password}, {"token", c.token}, {"tickets", c.tickets}};
    if (c.reader()) x["rental"] = {{"id", c.rental}, {"bicycleId", c.rental_bicycle}};
    cs.push_back(std::move(x));
  }
  return {{"version", 2}, {"runTag", s.run_tag}, {"stations", s.stations}, {"bicycles", s.bicycles}, {"customers", cs}};
}

setup_data setup_from_json(const json& j) {
  setup_data s;
  s.run_tag = j.value("runTag", "");
  s.stations = j.at("stations").get<std::vector<std::string>>();
  s.bicycles = j.at("bicycles").get<std::vector<std::string>>();
  for (const auto& c : j.at("customers")) {
    customer x;
    x.id = c.value("id", "");
    x.phone = c.at("phone").get<std::string>();
    x.password = c.at("password").get<std::string>();
    x.token = c.value("token", "");
    x.tickets = c.value("tickets", std::vector<std::string>{});
    if (c.contains("rental")) {
      x.rental = c["rental"].at("id").get<std::string>();
      x.rental_bicycle = c["rental"].value("bicycleId", "");
    }
    s.customers.push_back(std::move(x));
  }
  return s;
}

}  // namespace ttareungyi::bench::load
