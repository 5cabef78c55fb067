#include "ttareungyi/security/operator_clients.hpp"

#include <set>

#include "internal.hpp"
#include "ttareungyi/security/random.hpp"

namespace ttareungyi::security {
namespace {

constexpr const char* file_name = "operator-client";

std::expected<operator_client, std::string> read_client_file(const std::filesystem::path& file) {
  auto text = detail::read_file(file);
  if (!text) return std::unexpected(text.error());
  std::string_view line = *text;
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.find('\n') != std::string_view::npos) return std::unexpected(file.string() + ": expected a single line ID:SECRET");
  auto client = parse_operator_client(line);
  if (!client) return std::unexpected(file.string() + ": " + client.error());
  return client;
}

}  // namespace

std::expected<operator_client, std::string> parse_operator_client(std::string_view flag) {
  const auto colon = flag.find(':');
  if (colon == std::string_view::npos) return std::unexpected(std::string("operator client must be ID:SECRET"));
  const std::string_view id = flag.substr(0, colon);
  const std::string_view secret = flag.substr(colon + 1);
  if (id.empty()) return std::unexpected(std::string("operator client id is empty"));
  if (secret.empty()) return std::unexpected("operator client '" + std::string(id) + "' has an empty secret");
  return operator_client{std::string(id), std::string(secret)};
}

std::expected<resolved_operator_clients, std::string> resolve_operator_clients(const std::vector<std::string>& flags,
                                                                               const std::filesystem::path& data_dir) {
  resolved_operator_clients out;
  if (!flags.empty()) {
    std::set<std::string, std::less<>> ids;
    for (const std::string& flag : flags) {
      auto client = parse_operator_client(flag);
      if (!client) return std::unexpected(client.error());
      if (!ids.insert(client->id).second) return std::unexpected("duplicate operator client id '" + client->id + "'");
      out.clients.push_back(std::move(*client));
    }
    return out;
  }

  const std::filesystem::path file = data_dir / file_name;
  std::error_code ec;
  const bool present = std::filesystem::exists(file, ec);
  if (ec) return std::unexpected("cannot access " + file.string() + ": " + ec.message());
  if (!present) {
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return std::unexpected("cannot create " + data_dir.string() + ": " + ec.message());
    operator_client fresh{"operator-" + random_id(4), random_secret()};
    const auto written = detail::create_private_file(file, fresh.id + ":" + fresh.secret + "\n");
    if (!written) return std::unexpected(written.error());
    if (*written == detail::write_result::created) {
      out.clients.push_back(std::move(fresh));
      out.created_file = file;
      return out;
    }
    // Created concurrently by someone else: read theirs.
  }
  auto client = read_client_file(file);
  if (!client) return std::unexpected(client.error());
  out.clients.push_back(std::move(*client));
  return out;
}

bool authenticate_operator(const std::vector<operator_client>& clients, std::string_view id, std::string_view secret) {
  // Comparing fixed-size digests keeps the time independent of the lengths of the stored values too.
  const std::string id_digest = detail::sha256(id);
  const std::string secret_digest = detail::sha256(secret);
  bool found = false;
  for (const operator_client& c : clients) {
    const bool id_ok = detail::equal_constant_time(detail::sha256(c.id), id_digest);
    const bool secret_ok = detail::equal_constant_time(detail::sha256(c.secret), secret_digest);
    found |= id_ok & secret_ok;
  }
  return found;
}

}  // namespace ttareungyi::security
