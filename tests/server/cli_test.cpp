// `ttareungyi serve`'s flags as clients outside this repo write them; here the node flags and
// the topologies this build runs (docs/nodes.md).
#include <gtest/gtest.h>

#include "cli.hpp"

namespace ttareungyi::cli {
namespace {

using args = std::vector<std::string>;

std::string refusal(const args& a) {
  auto parsed = parse_serve(a);
  if (parsed) return "accepted";
  return parsed.error();
}

TEST(Cli, OneNodeRunsEveryRoleAndPublishesNothingByDefault) {
  auto o = parse_serve({});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->roles, (args{"http", "core", "payment", "notifier"}));
  EXPECT_FALSE(o->node_port);
  EXPECT_FALSE(o->payment);
  EXPECT_FALSE(o->core);
}

TEST(Cli, ACoreReachesItsPaymentNode) {
  auto o = parse_serve({"--roles", "http,core,notifier", "--payment", "10.0.0.7:4100"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_FALSE(o->has("payment"));
  ASSERT_TRUE(o->payment);
  EXPECT_EQ(o->payment->host, "10.0.0.7");
  EXPECT_EQ(o->payment->port, 4100);
  auto named = parse_serve({"--roles=core,notifier,http", "--payment=payments.internal:4100"});
  ASSERT_TRUE(named) << named.error();
  EXPECT_EQ(named->payment->host, "payments.internal");
}

TEST(Cli, APaymentNodePublishesOnItsNodePort) {
  auto o = parse_serve({"--roles", "payment", "--node-port", "0"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->roles, args{"payment"});
  EXPECT_EQ(o->node_port, 0);
  EXPECT_EQ(parse_serve({"--roles", "payment,payment", "--node-port", "4100"})->roles, args{"payment"});
}

TEST(Cli, RefusesRolesAndAddressesItCannotUse) {
  EXPECT_NE(refusal({"--roles", "http,bikes"}).find("'bikes'"), std::string::npos);
  EXPECT_NE(refusal({"--roles", ""}).find("at least one role"), std::string::npos);
  EXPECT_NE(refusal({"--roles", "http,core,notifier"}).find("needs --payment"), std::string::npos);
  EXPECT_NE(refusal({"--payment", "10.0.0.7:4100"}).find("without the payment role"), std::string::npos);
  EXPECT_NE(refusal({"--core", "10.0.0.7:4100"}).find("without the core role"), std::string::npos);
  EXPECT_NE(refusal({"--roles", "payment"}).find("needs --node-port"), std::string::npos);
  EXPECT_NE(refusal({"--roles", "payment", "--node-port", "1", "--core", "a:1"}).find("neither"), std::string::npos);
  EXPECT_NE(refusal({"--payment", "10.0.0.7"}).find("HOST:PORT"), std::string::npos);
  EXPECT_NE(refusal({"--payment", ":4100"}).find("HOST:PORT"), std::string::npos);
  EXPECT_NE(refusal({"--payment", "h:0"}).find("from 1 to 65535"), std::string::npos);
  EXPECT_NE(refusal({"--node-port", "70000"}).find("from 0 to 65535"), std::string::npos);
}

TEST(Cli, NotifierReplicasReachACoreThatPublishesItsPartitions) {
  auto replica = parse_serve({"--roles", "notifier", "--core", "core.internal:4200"});
  ASSERT_TRUE(replica) << replica.error();
  EXPECT_EQ(replica->core->host, "core.internal");
  EXPECT_EQ(replica->core->port, 4200);
  auto core = parse_serve({"--roles", "http,core,payment", "--node-port", "4200"});
  ASSERT_TRUE(core) << core.error();
  EXPECT_TRUE(parse_serve({"--roles", "http,core", "--payment", "p:4100", "--node-port", "0"}));

  EXPECT_NE(refusal({"--roles", "http,core,payment"}).find("needs --node-port"), std::string::npos);
  EXPECT_NE(refusal({"--roles", "notifier"}).find("needs --core"), std::string::npos);
  EXPECT_NE(refusal({"--roles", "notifier", "--core", "c:1", "--payment", "p:1"}).find("no --payment"), std::string::npos);
  EXPECT_NE(refusal({"--roles", "notifier", "--core", "c:1", "--webhook-url", "http://hooks.example/n"})
                .find("webhooks leave from the core"),
            std::string::npos);
}

TEST(Cli, GatewaysReachTheCore) {
  auto gateway = parse_serve({"--roles", "http", "--core", "core.internal:4200"});
  ASSERT_TRUE(gateway) << gateway.error();
  EXPECT_EQ(gateway->roles, std::vector<std::string>{"http"});
  EXPECT_EQ(gateway->core->port, 4200);
  EXPECT_NE(refusal({"--roles", "http"}).find("needs --core"), std::string::npos);
  EXPECT_NE(refusal({"--roles", "http", "--core", "c:1", "--payment", "p:1"}).find("no --payment"), std::string::npos);
  EXPECT_NE(refusal({"--roles", "http", "--core", "c:1", "--webhook-url", "http://hooks.example/n"})
                .find("webhooks leave from the core"),
            std::string::npos);
}

TEST(Cli, RefusesTopologiesItDoesNotRun) {
  EXPECT_NE(refusal({"--roles", "core,payment"}).find("runs http too"), std::string::npos);
  EXPECT_NE(refusal({"--roles", "payment,notifier", "--core", "c:1"}).find("runs http alone"), std::string::npos);
  EXPECT_NE(refusal({"--roles", "http,notifier", "--core", "c:1"}).find("runs http alone"), std::string::npos);
}

}  // namespace
}  // namespace ttareungyi::cli

namespace ttareungyi::cli {
namespace {

TEST(Cli, OperationsFlags) {
  auto defaults = parse_serve({});
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->drain, std::chrono::milliseconds{5000});
  EXPECT_EQ(defaults->shutdown_timeout, std::chrono::milliseconds{10000});
  EXPECT_EQ(defaults->liveness_threshold, std::chrono::milliseconds{10000});
  EXPECT_EQ(defaults->core_wait, std::chrono::milliseconds{5000});
  EXPECT_TRUE(defaults->inject_stall.empty());
  auto o = parse_serve({"--drain-ms", "0", "--shutdown-timeout-ms", "2500", "--liveness-threshold-ms", "400",
                        "--core-wait-ms", "800", "--inject-stall", "writer:1500"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->drain, std::chrono::milliseconds{0});
  EXPECT_EQ(o->shutdown_timeout, std::chrono::milliseconds{2500});
  EXPECT_EQ(o->liveness_threshold, std::chrono::milliseconds{400});
  EXPECT_EQ(o->core_wait, std::chrono::milliseconds{800});
  EXPECT_EQ(o->inject_stall, "writer");
  EXPECT_EQ(o->inject_stall_after, std::chrono::milliseconds{1500});
  EXPECT_FALSE(parse_serve({"--inject-stall", "disk:10"}));
  EXPECT_FALSE(parse_serve({"--inject-stall", "scheduler"}));
  EXPECT_FALSE(parse_serve({"--liveness-threshold-ms", "10"}));
  EXPECT_FALSE(parse_serve({"--drain-ms", "-1"}));
}

}  // namespace
}  // namespace ttareungyi::cli
