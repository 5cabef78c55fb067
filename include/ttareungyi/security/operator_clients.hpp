#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ttareungyi::security {

struct operator_client {
  std::string id;
  std::string secret;
};

// Parses "ID:SECRET". Splits at the first ':', so the secret may contain ':' but the id cannot;
// both must be non-empty. The error text never contains the secret.
std::expected<operator_client, std::string> parse_operator_client(std::string_view flag);

struct resolved_operator_clients {
  std::vector<operator_client> clients;
  std::optional<std::filesystem::path> created_file;  // set when a new credentials file was written
};

// Flags given: those (duplicate ids are an error). None given: reuse DATA_DIR/operator-client if
// present (one line "ID:SECRET\n"), else create DATA_DIR if needed and write that file (mode 0600)
// with id "operator-" + random_id(4) and secret random_secret(), reporting it in created_file.
std::expected<resolved_operator_clients, std::string> resolve_operator_clients(
    const std::vector<std::string>& flags, const std::filesystem::path& data_dir);

// True when some client has exactly this id and secret. Runs in time independent of where (or
// whether) the match is and of the contents of the secrets.
bool authenticate_operator(const std::vector<operator_client>& clients, std::string_view id,
                           std::string_view secret);

}  // namespace ttareungyi::security
