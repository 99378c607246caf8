// `ctodesk users add NAME [--role admin|read] [--password-stdin]` and
// `ctodesk users list`: dashboard accounts. The password is read from the
// first line of stdin with --password-stdin, otherwise generated and printed
// once; only its scrypt hash is stored.
#include <iostream>

#include <fmt/format.h>

#include "cli/cli.h"
#include "dashboard/auth.h"

namespace ctodesk::cli {

namespace {

struct UsersArgs {
  CommonOptions common;
  std::string name;
  std::string role = "read";
  bool password_stdin = false;
};

int RunAdd(const UsersArgs& args) {
  if (auto r = dashboard::CheckUserName(args.name); !r) return PrintError(r.error());
  if (auto r = dashboard::CheckRole(args.role); !r) return PrintError(r.error());
  std::string password;
  bool generated = false;
  if (args.password_stdin) {
    if (!std::getline(std::cin, password)) {
      return PrintError(Error::Invalid("--password-stdin: stdin is empty; expected the password on its first line"));
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
  } else {
    password = dashboard::GeneratePassword();
    generated = true;
  }
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto user = dashboard::AddUser(*session->store, args.name, args.role, password, session->clock->Now());
  if (!user) return PrintError(user.error());
  fmt::print("User {} ({}) saved.\n", user->name, user->role);
  if (generated) fmt::print("Password (shown once): {}\n", password);
  return kExitOk;
}

int RunList(const UsersArgs& args) {
  auto session = OpenSession(args.common);
  if (!session) return PrintError(session.error());
  auto users = session->store->ListUsers();
  if (!users) return PrintError(users.error());
  if (users->empty()) fmt::print("No dashboard accounts yet: ctodesk users add NAME --role admin\n");
  for (const UserRecord& u : *users) {
    fmt::print("{:<24} {:<6} created {}\n", u.name, u.role, FormatTime(u.created_at));
  }
  return kExitOk;
}

}  // namespace

void AddUsersCommand(CLI::App& app, Outcome& out) {
  CLI::App* cmd = app.add_subcommand("users", "Dashboard accounts for `ctodesk serve`");
  cmd->require_subcommand(1);
  auto add_args = std::make_shared<UsersArgs>();
  CLI::App* add = cmd->add_subcommand("add", "Create or replace an account (password hashed with scrypt)");
  AddCommonOptions(*add, add_args->common);
  add->add_option("name", add_args->name, "Account name")->required();
  add->add_option("--role", add_args->role, "admin (may act) or read")
      ->check(CLI::IsMember({"admin", "read"}))
      ->capture_default_str();
  add->add_flag("--password-stdin", add_args->password_stdin,
                "Read the password from stdin's first line (otherwise one is generated and printed)");
  add->callback([add_args, &out] { out.exit_code = RunAdd(*add_args); });
  auto list_args = std::make_shared<UsersArgs>();
  CLI::App* list = cmd->add_subcommand("list", "List accounts");
  AddCommonOptions(*list, list_args->common);
  list->callback([list_args, &out] { out.exit_code = RunList(*list_args); });
}

}  // namespace ctodesk::cli
