#pragma once
// The bench programs' flags: `--name value` pairs and bare switches, read in order, numbers
// checked against their range. The limits and the loader end with status 2 on a bad flag, as
// their usage lines say; ttareungyi-load words its own errors (it prints its usage after them)
// and shares only number_in.
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ttareungyi::bench {

// `text`, all of it, as a number of type T within [low, high]; nullopt otherwise.
template <class T>
std::optional<T> number_in(std::string_view text, T low, T high) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high) return std::nullopt;
  return value;
}

// Walks argv flag by flag: `while (args.next()) if (args.flag() == "--port") port = args.number(0, 65535);`.
// A missing value or a number out of range prints "PROGRAM: ..." to stderr and exits with 2.
class command_line {
 public:
  command_line(std::string program, int argc, char** argv) : program_(std::move(program)), args_(argv + 1, argv + argc) {}

  // Moves to the next flag; false after the last.
  bool next() {
    if (next_ >= args_.size()) return false;
    flag_ = args_[next_++];
    return true;
  }

  const std::string& flag() const { return flag_; }

  // The argument after the flag.
  std::string value() {
    if (next_ >= args_.size()) {
      std::cerr << program_ << ": " << flag_ << " needs a value\n";
      std::exit(2);
    }
    return args_[next_++];
  }

  // The argument after the flag, as a number within [low, high].
  template <class T>
  T number(T low, T high) {
    if (auto v = number_in(value(), low, high)) return *v;
    std::cerr << program_ << ": " << flag_ << " expects a number from " << low << " to " << high << "\n";
    std::exit(2);
  }

 private:
  std::string program_;
  std::vector<std::string> args_;
  std::size_t next_ = 0;
  std::string flag_;
};

}  // namespace ttareungyi::bench
