// The answers kept for idempotency keys: per customer and key, durable across reopening, aged
// by the storage's clock and dropped once past the retention.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "simulated_clock.hpp"
#include "storage_test_support.hpp"
#include "ttareungyi/ports/idempotency.hpp"

namespace ttareungyi::storage::test {
namespace {

using ttareungyi::test::simulated_clock;

ports::kept_answer answer(std::string body, instant at = t0, int status = 201) {
  return {"fp-" + body, status, {{"Content-Type", "application/json"}, {"Location", "/v1/tickets/t-1"}}, std::move(body), at};
}

std::unique_ptr<node_storage> open_with(const std::filesystem::path& dir, const domain::clock& clock) {
  auto opened = open_rocksdb(storage_options{.dir = dir, .sync = true, .clock = &clock});
  if (!opened) throw std::runtime_error("open failed: " + opened.error().message);
  return std::move(*opened);
}

void keep(ports::idempotency_store& s, std::string customer, std::string key, ports::kept_answer a) {
  std::promise<ports::stored<void>> done;
  auto outcome = done.get_future();
  s.keep_answer(std::move(customer), std::move(key), std::move(a), [&](ports::stored<void> r) { done.set_value(std::move(r)); });
  auto r = outcome.get();
  ASSERT_TRUE(r) << r.error().message;
}

// What the store finds (it answers at once).
ports::stored<std::optional<ports::kept_answer>> found(ports::idempotency_store& s, std::string customer, std::string key) {
  std::optional<ports::stored<std::optional<ports::kept_answer>>> out;
  s.find_answer(std::move(customer), std::move(key), [&](auto r) { out = std::move(r); });
  if (!out) throw std::runtime_error("find_answer did not answer at once");
  return std::move(*out);
}

std::optional<ports::kept_answer> find(ports::idempotency_store& s, std::string customer, std::string key) {
  auto r = found(s, std::move(customer), std::move(key));
  if (!r) throw std::runtime_error(r.error().message);
  return *r;
}

TEST(IdempotencyStore, KeepsAnAnswerPerCustomerAndKey) {
  temp_dir tmp;
  simulated_clock clock{t0};
  auto s = open_with(tmp.db(), clock);
  EXPECT_EQ(find(*s, "cust-1", "k"), std::nullopt);
  keep(*s, "cust-1", "k", answer(R"({"id":"t-1"})"));
  EXPECT_EQ(find(*s, "cust-1", "k"), answer(R"({"id":"t-1"})"));
  // Another customer's key of the same name, and keys where customer and key run together.
  EXPECT_EQ(find(*s, "cust-2", "k"), std::nullopt);
  keep(*s, "cust-1", "0k", answer("a"));
  EXPECT_EQ(find(*s, "cust-10", "k"), std::nullopt);
  keep(*s, "cust-10", "k", answer("b"));
  EXPECT_EQ(find(*s, "cust-1", "0k")->body, "a");
  EXPECT_EQ(find(*s, "cust-10", "k")->body, "b");
  // Keeping again replaces.
  keep(*s, "cust-1", "k", answer("c", t0, 402));
  EXPECT_EQ(find(*s, "cust-1", "k")->status, 402);
}

TEST(IdempotencyStore, SurvivesReopening) {
  temp_dir tmp;
  simulated_clock clock{t0};
  { keep(*open_with(tmp.db(), clock), "cust-1", "k", answer("kept")); }
  auto s = open_with(tmp.db(), clock);
  EXPECT_EQ(find(*s, "cust-1", "k"), answer("kept"));
}

TEST(IdempotencyStore, KeepsAndCommitsInOneOrder) {
  // Answers go through the same writer as the changesets: both kinds in one group are durable.
  temp_dir tmp;
  simulated_clock clock{t0};
  auto s = open_with(tmp.db(), clock);
  std::promise<void> both;
  std::atomic<int> left{2};
  auto done = [&](ports::stored<void> r) {
    EXPECT_TRUE(r);
    if (--left == 0) both.set_value();
  };
  s->commit(ports::changeset{}.save(sample_station()), done);
  s->keep_answer("cust-1", "k", answer("x"), done);
  both.get_future().wait();
  EXPECT_TRUE(find(*s, "cust-1", "k"));
  EXPECT_TRUE(value_of(s->find_station(sample_station().id)));
}

TEST(IdempotencyStore, AnswersPastTheRetentionAreNotFound) {
  temp_dir tmp;
  simulated_clock clock{t0};
  auto s = open_with(tmp.db(), clock);
  keep(*s, "cust-1", "k", answer("x", t0));
  clock.set(t0 + 24h);
  EXPECT_TRUE(find(*s, "cust-1", "k"));  // at least 24 hours
  clock.set(t0 + 24h + 1ms);
  EXPECT_EQ(find(*s, "cust-1", "k"), std::nullopt);
}

TEST(IdempotencyStore, ForgettingDropsOnlyExpiredAnswersFromDisk) {
  temp_dir tmp;
  simulated_clock clock{t0};
  auto s = open_with(tmp.db(), clock);
  keep(*s, "cust-1", "old", answer("old", t0));
  keep(*s, "cust-1", "new", answer("new", t0 + 2h));
  clock.set(t0 + 25h);
  ASSERT_TRUE(s->forget_expired_answers());
  // Back in time, an answer still on disk would be found again: the old one is gone for good.
  clock.set(t0 + 1h);
  EXPECT_EQ(find(*s, "cust-1", "old"), std::nullopt);
  EXPECT_EQ(find(*s, "cust-1", "new")->body, "new");
}

TEST(IdempotencyStore, ACorruptAnswerIsAnError) {
  temp_dir tmp;
  simulated_clock clock{t0};
  { open_with(tmp.db(), clock); }
  plant(tmp.db(), layout::cf_idempotency, layout::kept_answer_key("cust-1", "k"), "short");
  plant(tmp.db(), layout::cf_idempotency, layout::kept_answer_key("cust-1", "j"), layout::be64(layout::ordered(0)) + "{");
  auto s = open_with(tmp.db(), clock);
  EXPECT_FALSE(found(*s, "cust-1", "k"));
  EXPECT_FALSE(found(*s, "cust-1", "j"));
}

}  // namespace
}  // namespace ttareungyi::storage::test
