#include "ttareungyi/security/operator_clients.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "temp_dir.hpp"

namespace ttareungyi::security {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(OperatorClients, ParseValid) {
  auto c = parse_operator_client("ops:s3cret");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->id, "ops");
  EXPECT_EQ(c->secret, "s3cret");
  c = parse_operator_client("ops:with:colons");  // only the id may not contain ':'
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, "ops");
  EXPECT_EQ(c->secret, "with:colons");
}

TEST(OperatorClients, ParseInvalid) {
  for (const char* flag : {"", ":", "ops", "ops:", ":secret", "::"}) {
    const auto c = parse_operator_client(flag);
    ASSERT_FALSE(c) << flag;
    EXPECT_FALSE(c.error().empty());
  }
  EXPECT_EQ(parse_operator_client(":topsecret").error().find("topsecret"), std::string::npos)
      << "errors must not echo secrets";
}

TEST(OperatorClients, FlagsWin) {
  testing::temp_dir dir{"ttareungyi-security"};
  const auto r = resolve_operator_clients({"a:1", "b:2"}, dir.path());
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->clients.size(), 2u);
  EXPECT_EQ(r->clients[0].id, "a");
  EXPECT_EQ(r->clients[1].secret, "2");
  EXPECT_FALSE(r->created_file);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "operator-client"));
}

TEST(OperatorClients, BadFlagsAreErrors) {
  testing::temp_dir dir{"ttareungyi-security"};
  EXPECT_FALSE(resolve_operator_clients({"a:1", "broken"}, dir.path()));
  EXPECT_FALSE(resolve_operator_clients({"a:1", "a:2"}, dir.path())) << "duplicate id";
}

TEST(OperatorClients, CreatesThenReusesFile) {
  testing::temp_dir dir{"ttareungyi-security"};
  const auto data = dir.path() / "data";  // created on demand
  const auto created = resolve_operator_clients({}, data);
  ASSERT_TRUE(created) << created.error();
  const auto file = data / "operator-client";
  ASSERT_EQ(created->created_file, file);
  ASSERT_EQ(created->clients.size(), 1u);
  const operator_client& c = created->clients[0];
  ASSERT_TRUE(c.id.starts_with("operator-"));
  EXPECT_EQ(c.id.size(), std::string("operator-").size() + 8);
  EXPECT_EQ(c.secret.size(), 43u);
  EXPECT_EQ(slurp(file), c.id + ":" + c.secret + "\n");
  EXPECT_EQ(testing::file_mode(file), 0600u);

  const auto reused = resolve_operator_clients({}, data);
  ASSERT_TRUE(reused) << reused.error();
  EXPECT_FALSE(reused->created_file);
  ASSERT_EQ(reused->clients.size(), 1u);
  EXPECT_EQ(reused->clients[0].id, c.id);
  EXPECT_EQ(reused->clients[0].secret, c.secret);
}

TEST(OperatorClients, ReadsHandWrittenFile) {
  testing::temp_dir dir{"ttareungyi-security"};
  std::ofstream(dir.path() / "operator-client") << "admin:pa:ss";  // no trailing newline
  const auto r = resolve_operator_clients({}, dir.path());
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->clients[0].id, "admin");
  EXPECT_EQ(r->clients[0].secret, "pa:ss");

  std::ofstream(dir.path() / "operator-client") << "admin:pass\r\n";
  EXPECT_EQ(resolve_operator_clients({}, dir.path())->clients[0].secret, "pass");
}

TEST(OperatorClients, MalformedFileIsAnError) {
  testing::temp_dir dir{"ttareungyi-security"};
  std::ofstream(dir.path() / "operator-client") << "no-colon\n";
  EXPECT_FALSE(resolve_operator_clients({}, dir.path()));
  std::ofstream(dir.path() / "operator-client") << "a:1\nb:2\n";
  EXPECT_FALSE(resolve_operator_clients({}, dir.path()));
  std::ofstream(dir.path() / "operator-client") << "";
  EXPECT_FALSE(resolve_operator_clients({}, dir.path()));
}

TEST(OperatorClients, Authenticate) {
  const std::vector<operator_client> clients = {{"a", "secret-a"}, {"b", "secret-b"}};
  EXPECT_TRUE(authenticate_operator(clients, "a", "secret-a"));
  EXPECT_TRUE(authenticate_operator(clients, "b", "secret-b"));
  EXPECT_FALSE(authenticate_operator(clients, "a", "secret-b"));
  EXPECT_FALSE(authenticate_operator(clients, "b", "secret-a"));
  EXPECT_FALSE(authenticate_operator(clients, "a", "secret-"));
  EXPECT_FALSE(authenticate_operator(clients, "a", "secret-aa"));
  EXPECT_FALSE(authenticate_operator(clients, "a", ""));
  EXPECT_FALSE(authenticate_operator(clients, "c", "secret-a"));
  EXPECT_FALSE(authenticate_operator(clients, "", ""));
  EXPECT_FALSE(authenticate_operator({}, "a", "secret-a"));
}

}  // namespace
}  // namespace ttareungyi::security
