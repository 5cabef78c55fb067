// Operations: health probes, and how `serve` starts (operator client bootstrap, bad flags).
#include "e2e_fixture.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class Health : public server_test {};

TEST_F(Health, LiveAndReady) {
  auto live = http().get("/health/live");
  ASSERT_STATUS(live, 200);
  EXPECT_EQ(live.json()["status"], "live");
  auto ready = http().get("/health/ready");
  ASSERT_STATUS(ready, 200);
  EXPECT_EQ(ready.json()["status"], "ready");
}

TEST_F(Health, ManyConnectionsAndKeepAlive) {
  // A kept-alive connection carries many requests; many short connections work too.
  for (int i = 0; i < 50; ++i) ASSERT_STATUS(http().get("/health/live"), 200);
  for (int i = 0; i < 20; ++i) {
    http_client::options once;
    once.keep_alive = false;
    http_client client(server().port(), once);
    ASSERT_STATUS(client.get("/health/ready"), 200);
  }
}

// `serve` without --operator-client on an empty data dir creates an operator client, keeps it
// in DIR/operator-client (mode 0600) and logs the path but never the secret. The file holds
// `ID:SECRET` (the --operator-client syntax); a JSON object {client_id, client_secret} is
// accepted too.
std::pair<std::string, std::string> read_operator_client(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (!text.empty() && text.front() == '{') {
    auto j = json::parse(text);
    auto id = j.contains("client_id") ? j["client_id"] : j["id"];
    auto secret = j.contains("client_secret") ? j["client_secret"] : j["secret"];
    return {id.get<std::string>(), secret.get<std::string>()};
  }
  auto colon = text.find(':');
  if (colon == std::string::npos) throw std::runtime_error("operator-client file is not ID:SECRET: " + text);
  return {text.substr(0, colon), text.substr(colon + 1)};
}

TEST(ServeBootstrap, CreatesOperatorClientWhenNoneGiven) {
  temp_dir tmp("ttareungyi-e2e");
  auto data = tmp.sub("data");
  std::vector<std::string> args{"serve", "--data-dir", data.string(), "--port", "0", "--bind", "127.0.0.1"};
  std::pair<std::string, std::string> creds;
  {
    server_process server(server_binary(), args);
    auto file = data / "operator-client";
    // The file is written during start-up; bounded wait for it to appear.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!std::filesystem::exists(file) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(poll_interval);
    ASSERT_TRUE(std::filesystem::exists(file)) << server.logs_tail();
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "operator-client must be private";
    creds = read_operator_client(file);
    ASSERT_FALSE(creds.first.empty());
    ASSERT_FALSE(creds.second.empty());

    http_client client(server.port());
    auto token = client.post_form("/oauth2/token", {{"grant_type", "client_credentials"}}, basic(creds.first, creds.second));
    ASSERT_STATUS(token, 200);
    EXPECT_EQ(token.json()["scope"], "operator");
    auto logs = server.stdout_text() + server.stderr_text();
    EXPECT_EQ(logs.find(creds.second), std::string::npos) << "the secret must never be logged";
    EXPECT_NE(logs.find("operator-client"), std::string::npos) << "the file's path is logged";
    EXPECT_EQ(server.stop(), 0);
    EXPECT_EQ(server.stdout_text().find(creds.second), std::string::npos);
    EXPECT_EQ(server.stderr_text().find(creds.second), std::string::npos);
  }
  {
    // Restarted on the same data dir: the same client still works, no new one is made.
    server_process server(server_binary(), args);
    EXPECT_EQ(read_operator_client(data / "operator-client"), creds);
    http_client client(server.port());
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (client.get("/health/ready").status != 200 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(poll_interval);
    auto token = client.post_form("/oauth2/token", {{"grant_type", "client_credentials"}}, basic(creds.first, creds.second));
    EXPECT_STATUS(token, 200);
    server.kill9();
  }
}

TEST(ServeBootstrap, BadFlagsFailFast) {
  temp_dir tmp("ttareungyi-e2e");
  auto data = tmp.sub("data");
  server_process::options quick;
  quick.start_timeout = 10s;
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"serve", "--data-dir", data.string(), "--port", "not-a-port"},
           {"serve", "--data-dir", data.string(), "--port", "0", "--no-such-flag"},
           {"serve", "--data-dir", data.string(), "--port", "0", "--sandbox-failure-rate", "2"},
           {"serve", "--data-dir", data.string(), "--port", "0", "--operator-client", "no-colon"},
           {"serve", "--data-dir", data.string(), "--port", "0", "--public-url", "bikes.example"},
           {"serve", "--data-dir", data.string(), "--port", "0", "--feed-contact-email", "nobody"}}) {
    std::string cmd;
    for (const auto& a : bad) cmd += " " + a;
    try {
      server_process server(server_binary(), bad, quick);
      ADD_FAILURE() << "server started with bad flags:" << cmd;
    } catch (const server_start_error& e) {
      EXPECT_NE(std::string(e.what()).find("exited with status"), std::string::npos)
          << "should exit (not hang) on:" << cmd << "\n" << e.what();
    }
  }
}

}  // namespace
}  // namespace ttareungyi::e2e
