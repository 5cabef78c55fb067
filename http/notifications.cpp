#include "notifications.hpp"

#include <charconv>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "answers.hpp"
#include "forms.hpp"
#include "handlers.hpp"
#include "paging.hpp"
#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::http {

namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as a weight in thousandths.
std::optional<int> parse_qvalue(std::string_view text) noexcept {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  int whole = text[0] - '0';
  int thousandths = 0;
  if (text.size() > 1) {
    if (text[1] != '.' || text.size() > 5) return std::nullopt;
    int scale = 100;
    for (char c : text.substr(2)) {
      if (c < '0' || c > '9') return std::nullopt;
      thousandths += (c - '0') * scale;
      scale /= 10;
    }
  }
  int q = whole * 1000 + thousandths;
  if (q > 1000) return std::nullopt;
  return q;
}

// The weight of one Accept-Language member ("en-US;q=0.8"), or nullopt when it is malformed.
std::optional<int> weight_of(std::string_view params) noexcept {
  int q = 1000;
  while (!params.empty()) {
    auto semicolon = params.find(';');
    auto param = trim(params.substr(0, semicolon));
    params = semicolon == std::string_view::npos ? std::string_view{} : params.substr(semicolon + 1);
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      auto parsed = parse_qvalue(trim(param.substr(2)));
      if (!parsed) return std::nullopt;
      q = *parsed;
    }
  }
  return q;
}

bool primary_tag_is(std::string_view range, std::string_view tag) noexcept {
  auto primary = range.substr(0, range.find('-'));
  return iequals(primary, tag);
}

std::string without_line_breaks(std::string_view text) {
  std::string out{text};
  for (auto& c : out) {
    if (c == '\r' || c == '\n') c = '_';
  }
  return out;
}

}  // namespace

std::string_view to_string(language l) noexcept { return l == language::en ? "en" : "ko"; }

language preferred_language(std::optional<std::string_view> accept_language) noexcept {
  if (!accept_language) return language::ko;
  // Best weight of each language and where it was first seen with that weight.
  int best_ko = 0, best_en = 0;
  std::size_t at_ko = 0, at_en = 0, position = 0;
  std::string_view rest = *accept_language;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto member = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (member.empty()) continue;
    ++position;
    auto semicolon = member.find(';');
    auto range = trim(member.substr(0, semicolon));
    auto q = weight_of(semicolon == std::string_view::npos ? std::string_view{} : member.substr(semicolon + 1));
    if (!q || *q == 0) continue;
    if (primary_tag_is(range, "en")) {
      if (*q > best_en) best_en = *q, at_en = position;
    } else if (primary_tag_is(range, "ko") || range == "*") {
      if (*q > best_ko) best_ko = *q, at_ko = position;
    }
  }
  if (best_en > best_ko) return language::en;
  if (best_en > 0 && best_en == best_ko && at_en < at_ko) return language::en;
  return language::ko;
}

json to_json(const domain::notification& n, language lang) {
  return json{
      {"id", n.id},
      {"kind", n.kind},
      {"message", lang == language::en ? n.message_en : n.message_ko},
      {"messages", json{{"ko", n.message_ko}, {"en", n.message_en}}},
      {"correlationId", n.correlation_id},
      {"createdAt", domain::to_rfc3339(n.created_at)},
      {"sequence", n.sequence},
  };
}

checked<std::size_t> parse_notification_limit(std::string_view query) {
  auto fields = parse_form(query);
  if (!fields) return std::unexpected(bad_request("query string: " + fields.error()));
  auto value = field(*fields, "limit");
  if (!value) return default_notification_limit;
  std::size_t limit = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), limit);
  if (value->empty() || ec != std::errc{} || end != value->data() + value->size() || limit < 1 ||
      limit > max_notification_limit) {
    return std::unexpected(bad_request("query parameter limit must be an integer from 1 to " +
                                       std::to_string(max_notification_limit)));
  }
  return limit;
}

checked<std::uint64_t> parse_last_event_id(std::optional<std::string_view> header, std::string_view query) {
  std::string_view text;
  std::string_view source = "Last-Event-ID";
  std::optional<std::string> from_query;
  if (header && !trim(*header).empty()) {
    text = trim(*header);
  } else {
    auto fields = parse_form(query);
    if (!fields) return std::unexpected(bad_request("query string: " + fields.error()));
    auto value = field(*fields, "lastEventId");
    if (!value || value->empty()) return std::uint64_t{0};
    from_query = std::string{*value};
    text = *from_query;
    source = "query parameter lastEventId";
  }
  std::uint64_t after = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), after);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    return std::unexpected(bad_request(std::string{source} + " must be the sequence number of an event"));
  }
  return after;
}

response sse_head(language lang) {
  return response{200,
                  {{"Content-Type", "text/event-stream"},
                   {"Cache-Control", "no-cache"},
                   {"Content-Language", std::string{to_string(lang)}},
                   {"Vary", "Accept-Language"},
                   {"X-Accel-Buffering", "no"}},
                  {}};
}

std::string sse_event(const domain::notification& n, language lang) {
  std::string out;
  auto data = dump(to_json(n, lang));  // one line: JSON escapes line breaks inside strings
  out.reserve(data.size() + n.kind.size() + 48);
  out += "id: ";
  out += std::to_string(n.sequence);
  out += "\nevent: ";
  out += without_line_breaks(n.kind);
  out += "\ndata: ";
  out += data;
  out += "\n\n";
  return out;
}

namespace handlers {

namespace {

// From here on `stream` answers. `deliver` holds the stream (which holds no connection): once
// the stream ends it drops what it is given, and the watch goes with the stream.
void watch(const call& c, const std::shared_ptr<stream>& stream, std::uint64_t after, language lang) {
  try {
    auto watch = c.services.app.notifications.watch_notifications(
        c.customer(), after, [stream, lang](domain::notification n) noexcept {
          try {
            stream->write(sse_event(n, lang));
          } catch (const std::exception& ex) {
            spdlog::warn("http: could not stream notification {}: {}", n.id, ex.what());
          }
        });
    if (!watch) {
      spdlog::warn("http: the application gave no watch for the notification stream");
      return stream->close();
    }
    stream->bind(std::shared_ptr<app::watch>(std::move(watch)));
  } catch (const std::exception& ex) {
    spdlog::warn("http: could not watch notifications: {}", ex.what());
    stream->close();
  }
}

}  // namespace

checked<work> list_notifications(const call& c) {
  const auto query = split(c.req.target).query;
  auto limit = parse_notification_limit(query);
  if (!limit) return std::unexpected(std::move(limit.error()));
  auto cursor = parse_cursor(query);
  if (!cursor) return std::unexpected(std::move(cursor.error()));
  return [&c, page = page_request{.cursor = std::move(*cursor), .limit = *limit}](responder respond) mutable {
    auto lang = preferred_language(c.req.header("Accept-Language"));
    c.services.app.notifications.notifications(
        c.customer(), std::move(page),
        answer<app::page<domain::notification>>(respond, [lang](const app::page<domain::notification>& inbox) {
          auto r = ok(page_json(inbox, [lang](const domain::notification& n) { return to_json(n, lang); }));
          r.headers.emplace_back("Content-Language", std::string{to_string(lang)});
          r.headers.emplace_back("Vary", "Accept-Language");
          return r;
        }));
  };
}

checked<work> notification_stream(const call& c) {
  auto after = parse_last_event_id(c.req.header("Last-Event-ID"), split(c.req.target).query);
  if (!after) return std::unexpected(std::move(after.error()));
  if (!c.streams) {
    spdlog::warn("http: no stream support for {}", split(c.req.target).path);
    return std::unexpected(internal_problem());
  }
  return [&c, after = *after](responder respond) {
    auto lang = preferred_language(c.req.header("Accept-Language"));
    auto stream = c.streams->open(sse_head(lang));
    if (!stream) return respond(to_response(service_unavailable("the server is shutting down", 1)));
    watch(c, stream, after, lang);
  };
}

}  // namespace handlers

}  // namespace ttareungyi::http
