// The public feeds, without a token, from the station listing and the station view's counts,
// never from the entities: GBFS 3.0 (gbfs.hpp), whose answers carry an ETag and Last-Modified
// (a planner that sends them back while nothing changed gets 304 and no body), and Seoul's open
// data shape (seoul_open_data.hpp).
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "answers.hpp"
#include "gbfs.hpp"
#include "handlers.hpp"
#include "oauth.hpp"
#include "seoul_open_data.hpp"

namespace ttareungyi::http::handlers {

namespace {

using station_list = std::vector<app::station_view>;

// Every page of the stations with their counts, in id order, then `done` (a few thousand
// stations at most: GBFS files are not paged).
class station_walk : public std::enable_shared_from_this<station_walk> {
 public:
  station_walk(app::fleet_service& fleet, std::function<void(domain::result<station_list>)> done)
      : fleet_(fleet), done_(std::move(done)) {}

  void ask(app::page_request request) {
    fleet_.stations(std::move(request), [self = shared_from_this()](domain::result<app::page<app::station_view>> page) {
      if (!page) return self->done_(std::unexpected(page.error()));
      for (auto& s : page->items) self->stations_.push_back(std::move(s));
      if (!page->next) return self->done_(std::move(self->stations_));
      self->ask({.cursor = std::move(page->next), .limit = 1000});
    });
  }

 private:
  app::fleet_service& fleet_;
  std::function<void(domain::result<station_list>)> done_;
  station_list stations_;
};

// RFC 9110 HTTP-date (IMF-fixdate), e.g. "Mon, 07 Dec 2026 05:12:00 GMT".
std::string http_date(domain::instant t) {
  const auto seconds = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[utc.tm_wday % 7], utc.tm_mday,
                months[utc.tm_mon % 12], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return out;
}

// Whether the planner's copy is current (RFC 9110 13.1): If-None-Match decides when sent (a
// list of ETags or "*"), otherwise If-Modified-Since, compared as the date this server wrote.
bool still_current(const request& req, const gbfs::versions::version& v, const std::string& last_modified) {
  if (auto tags = req.header("If-None-Match")) return *tags == "*" || tags->find(v.etag) != std::string_view::npos;
  auto since = req.header("If-Modified-Since");
  return since && *since == last_modified;
}

// Walks every page of the stations, then answers with `make(stations)` on the thread of the
// last page. `make` keeps what it needs by value: the request's call is gone by then.
template <class Make>
void with_stations(const call& c, responder respond, Make make) {
  auto walk = std::make_shared<station_walk>(
      c.services.app.fleet, [respond = std::move(respond), make = std::move(make)](domain::result<station_list> stations) {
        respond(guarded([&] {
          if (!stations) return error_response(stations.error());
          return make(*stations);
        }));
      });
  walk->ask({.limit = 1000});
}

response feed_answer(const endpoint_services& services, const request& req, gbfs::feed f, gbfs::sources from,
                     const std::string& base_url) {
  from.now = services.clock.now();
  auto data = gbfs::data_of(f, {base_url, services.feeds.contact_email}, from);
  const auto v = services.feeds.versions->observe(f, dump(data), from.now);
  const auto last_modified = http_date(v.since);
  response r{200, {}, {}};
  if (still_current(req, v, last_modified)) {
    r.status = 304;
  } else {
    r = json_response(200, dump(gbfs::document(f, std::move(data), v.since)));
  }
  r.headers.emplace_back("ETag", v.etag);
  r.headers.emplace_back("Last-Modified", last_modified);
  r.headers.emplace_back("Cache-Control", "public, max-age=" + std::to_string(gbfs::ttl_of(f)));
  return r;
}

}  // namespace

checked<work> gbfs_feed(const call& c) {
  const auto f = gbfs::feed_named(c.id);
  if (!f) return std::unexpected(not_found_problem("no such GBFS file; the list is /gbfs/gbfs.json"));
  // Absolute URLs: the configured public URL, else the one the planner used, else the issuer's.
  auto base = c.services.feeds.public_url;
  if (base.empty()) base = base_url_from_host(c.req.header("Host")).value_or(c.services.tokens.issuer());
  while (!base.empty() && base.back() == '/') base.pop_back();
  return [&c, f = *f, base = std::move(base)](responder respond) {
    // The api's services outlive every reply; the request is copied for the later ones.
    switch (gbfs::source_of(f)) {
      case gbfs::source::none:
        return respond(guarded([&] { return feed_answer(c.services, c.req, f, {}, base); }));
      case gbfs::source::stations:
        return with_stations(c, std::move(respond), [services = &c.services, req = c.req, f, base](const station_list& s) {
          return feed_answer(*services, req, f, {.stations = s, .alerts = {}, .now = {}}, base);
        });
      case gbfs::source::alerts:
        return c.services.app.fleet.alerts(answer<std::vector<domain::alert>>(
            respond, [services = &c.services, req = c.req, f, base](const std::vector<domain::alert>& alerts) {
              return feed_answer(*services, req, f, {.stations = {}, .alerts = alerts, .now = {}}, base);
            }));
    }
  };
}

checked<work> seoul_bike_list(const call& c) {
  const auto rows = seoul::parse_bike_list(c.id);
  if (!rows)
    return std::unexpected(bad_request("the path must be /seoul/{key}/json/bikeList/{start}/{end}, 1 <= start <= end, "
                                       "at most 1000 rows at once"));
  return [&c, rows = *rows](responder respond) {
    with_stations(c, std::move(respond), [rows](const station_list& stations) {
      auto r = ok(seoul::bike_list(stations, rows));
      r.headers.emplace_back("Cache-Control", "public, max-age=0");
      return r;
    });
  };
}

}  // namespace ttareungyi::http::handlers
