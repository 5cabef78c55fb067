#pragma once
// A log-linear latency histogram in the spirit of HdrHistogram: values in nanoseconds, exact
// below 2048 ns, then 1024 sub-buckets per power of two (relative error below 0.1 %), up to
// about 18 minutes. Recording is O(1) and allocation-free; histograms merge by addition.
// Percentiles are reported as the highest value of the bucket they fall in (HDR's
// "highest equivalent value"), min and max exactly.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>

namespace ttareungyi::bench {

class histogram {
 public:
  static constexpr int sub_bits = 10;
  static constexpr std::uint64_t half = std::uint64_t{1} << sub_bits;  // 1024
  static constexpr int max_shift = 30;                                  // values < 2^41 ns
  static constexpr std::size_t bucket_count = (max_shift + 2) * half;

  histogram() : counts_(std::make_unique<std::array<std::uint64_t, bucket_count>>()) { counts_->fill(0); }
  histogram(const histogram& o) : counts_(std::make_unique<std::array<std::uint64_t, bucket_count>>(*o.counts_)) {
    total_ = o.total_;
    min_ = o.min_;
    max_ = o.max_;
    sum_ = o.sum_;
  }
  histogram& operator=(const histogram& o) {
    if (this != &o) {
      *counts_ = *o.counts_;
      total_ = o.total_;
      min_ = o.min_;
      max_ = o.max_;
      sum_ = o.sum_;
    }
    return *this;
  }
  histogram(histogram&&) noexcept = default;
  histogram& operator=(histogram&&) noexcept = default;

  static std::size_t index_of(std::uint64_t v) {
    if (v < 2 * half) return static_cast<std::size_t>(v);
    int shift = std::bit_width(v) - (sub_bits + 1);
    if (shift > max_shift) return bucket_count - 1;
    return static_cast<std::size_t>((shift + 1) * half + ((v >> shift) - half));
  }
  // The highest value that lands in bucket i.
  static std::uint64_t highest_of(std::size_t i) {
    if (i < 2 * half) return i;
    auto shift = static_cast<int>(i / half) - 1;
    std::uint64_t sub = i % half + half;
    return ((sub + 1) << shift) - 1;
  }

  void record(std::uint64_t ns) {
    ++(*counts_)[index_of(ns)];
    ++total_;
    sum_ += static_cast<double>(ns);
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
  }

  void merge(const histogram& o) {
    for (std::size_t i = 0; i < bucket_count; ++i) (*counts_)[i] += (*o.counts_)[i];
    total_ += o.total_;
    sum_ += o.sum_;
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
  }

  std::uint64_t count() const { return total_; }
  std::uint64_t min() const { return total_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const { return total_ ? sum_ / static_cast<double>(total_) : 0; }

  // q in [0, 1]: the smallest recorded bucket value v with at least q of the samples <= v.
  std::uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    auto wanted = static_cast<std::uint64_t>(q * static_cast<double>(total_) + 0.5);
    wanted = std::clamp<std::uint64_t>(wanted, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += (*counts_)[i];
      if (seen >= wanted) return std::clamp(highest_of(i), min(), max_);
    }
    return max_;
  }

 private:
  std::unique_ptr<std::array<std::uint64_t, bucket_count>> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
  double sum_ = 0;
};

// A recorded value (nanoseconds) in milliseconds, as the reports give latencies.
inline double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace ttareungyi::bench
