#pragma once
// The formats of the notification endpoints: the language of `message` (Accept-Language), the
// JSON item shared by GET /v1/notifications and its stream, the Server-Sent Events framing,
// and the parameters (limit, Last-Event-ID). Framework-free.
// The two endpoints themselves are at the end of notifications.cpp (declared in handlers.hpp).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "json_mapping.hpp"
#include "message.hpp"
#include "problem.hpp"
#include "ttareungyi/domain/views.hpp"

namespace ttareungyi::http {

enum class language { ko, en };
std::string_view to_string(language l) noexcept;  // "ko", "en"

// Korean unless the Accept-Language header (RFC 9110 §12.5.4) prefers English: the language
// with the higher weight wins, the one listed first on a tie; `*` counts for Korean. Malformed
// entries are skipped.
language preferred_language(std::optional<std::string_view> accept_language) noexcept;

// {id, kind, message, messages:{ko, en}, correlationId, createdAt, sequence}; `message` in `lang`.
json to_json(const domain::notification& n, language lang);

inline constexpr std::size_t default_notification_limit = 50;
inline constexpr std::size_t max_notification_limit = 200;
// GET /v1/notifications?limit= : 1..200, 50 when absent; 400 otherwise (also for an empty value).
checked<std::size_t> parse_notification_limit(std::string_view query);

// Where a stream resumes: the Last-Event-ID header, else the lastEventId query parameter, else
// 0 (everything stored). An empty header counts as absent. 400 unless a decimal sequence.
checked<std::uint64_t> parse_last_event_id(std::optional<std::string_view> header, std::string_view query);

// The head of GET /v1/notifications/stream: 200 text/event-stream, Cache-Control: no-cache.
response sse_head(language lang);
// One event: "id: <sequence>\nevent: <kind>\ndata: <to_json(n, lang)>\n\n".
std::string sse_event(const domain::notification& n, language lang);
// The comment line sent while nothing else is (keeps proxies from closing an idle stream).
inline constexpr std::string_view sse_keep_alive = ": keep-alive\n\n";

}  // namespace ttareungyi::http
