#pragma once
// An incremental parser of a Server-Sent Events stream (the WHATWG HTML "event stream"
// interpretation): bytes go in as they arrive, split anywhere; an event comes out at each blank
// line that ends one with data. Lines end with CRLF, LF or CR; lines starting with ':' are
// comments (keep-alives); `id` sets the last event ID, which stays for the events after it (and
// is what a reconnecting client sends as Last-Event-ID); `event` names the type ("message" when
// absent); `data` lines are joined with LF; other fields (retry) are ignored.
#include <string>
#include <string_view>

namespace ttareungyi::bench {

struct sse_event {
  std::string id;
  std::string type;
  std::string data;
};

class sse_parser {
 public:
  // Resumes after `id`, as if an event with that id had been seen.
  void resume_from(std::string id) { last_id_ = std::move(id); }
  const std::string& last_id() const { return last_id_; }

  template <class OnEvent>
  void feed(std::string_view bytes, OnEvent&& on_event) {
    for (char ch : bytes) {
      bool after_cr = after_cr_;
      after_cr_ = ch == '\r';
      if (ch == '\n' && after_cr) continue;  // the LF of a CRLF
      if (ch == '\r' || ch == '\n') {
        end_line(on_event);
        line_.clear();
      } else {
        line_ += ch;
      }
    }
  }

 private:
  template <class OnEvent>
  void end_line(OnEvent& on_event) {
    if (line_.empty()) {  // dispatch
      if (has_data_) {
        event_.id = last_id_;
        if (event_.type.empty()) event_.type = "message";
        on_event(static_cast<const sse_event&>(event_));
      }
      event_ = {};
      has_data_ = false;
      return;
    }
    if (line_.front() == ':') return;
    std::string_view line{line_};
    auto colon = line.find(':');
    auto name = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
    if (name == "data") {
      if (has_data_) event_.data += '\n';
      event_.data += value;
      has_data_ = true;
    } else if (name == "event") {
      event_.type = value;
    } else if (name == "id" && value.find('\0') == std::string_view::npos) {
      last_id_ = value;
    }
  }

  std::string line_;
  bool after_cr_ = false;
  sse_event event_;
  bool has_data_ = false;
  std::string last_id_;
};

}  // namespace ttareungyi::bench
