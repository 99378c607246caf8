#include "desks/backups/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include <fmt/format.h>

extern "C" char** environ;

namespace ctodesk::backups {

namespace {

std::string Substitute(std::string text, const std::string& token, const std::string& value) {
  for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size())) {
    text.replace(at, token.size(), value);
  }
  return text;
}

std::string LastLine(const std::string& tail) {
  size_t end = tail.find_last_not_of("\r\n \t");
  if (end == std::string::npos) return "";
  size_t start = tail.find_last_of('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  std::string line = tail.substr(start, end - start + 1);
  if (line.size() > 300) line = line.substr(0, 300) + "…";
  return line;
}

}  // namespace

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

CommandResult RunCommand(const CommandSpec& spec) {
  CommandResult r;
  const auto started = std::chrono::steady_clock::now();
  std::string command = Substitute(spec.command, "{file}", ShellQuote(spec.file.string()));
  command = Substitute(command, "{dir}", ShellQuote(spec.dir.string()));

  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    if (kv.starts_with("CTODESK_BACKUP_FILE=") || kv.starts_with("CTODESK_RESTORE_DIR=")) continue;
    bool replaced = false;
    for (const std::string& extra : spec.env) {
      auto eq = extra.find('=');
      if (eq != std::string::npos && kv.size() > eq && kv.substr(0, eq + 1) == std::string_view(extra).substr(0, eq + 1)) {
        replaced = true;
        break;
      }
    }
    if (!replaced) env_text.emplace_back(kv);
  }
  for (const std::string& extra : spec.env) env_text.push_back(extra);
  env_text.push_back("CTODESK_BACKUP_FILE=" + spec.file.string());
  env_text.push_back("CTODESK_RESTORE_DIR=" + spec.dir.string());
  std::vector<char*> envp;
  for (std::string& s : env_text) envp.push_back(s.data());
  envp.push_back(nullptr);

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    r.error = fmt::format("cannot start the command: {}", std::strerror(errno));
    return r;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    r.error = fmt::format("cannot start the command: {}", std::strerror(errno));
    return r;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(pipefd[1], STDOUT_FILENO);
    ::dup2(pipefd[1], STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    if (!spec.dir.empty() && ::chdir(spec.dir.c_str()) != 0) ::_exit(126);
    ::execle("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr), envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so the kill below cannot race the child's own call
  ::close(pipefd[1]);
  std::string tail;
  const auto deadline = started + spec.timeout;
  bool open = true;
  int status = 0;
  bool exited = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    if (open) {
      pollfd p{pipefd[0], POLLIN, 0};
      int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
      if (n > 0) {
        char buf[4096];
        ssize_t got = ::read(pipefd[0], buf, sizeof buf);
        if (got > 0) {
          tail.append(buf, static_cast<size_t>(got));
          if (tail.size() > 8192) tail.erase(0, tail.size() - 4096);
        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
          open = false;
        }
      }
    } else {
      ::usleep(20000);
    }
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      exited = true;
      // Drain what is left without blocking on grandchildren that keep the pipe.
      ::fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
      char buf[4096];
      ssize_t got;
      while ((got = ::read(pipefd[0], buf, sizeof buf)) > 0 && tail.size() < 16384) {
        tail.append(buf, static_cast<size_t>(got));
      }
      break;
    }
  }
  ::close(pipefd[0]);
  if (!exited) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  } else {
    ::kill(-pid, SIGKILL);  // leftovers of the group, if any
  }
  r.took = std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - started);
  r.last_line = LastLine(tail);
  std::string said = r.last_line.empty() ? "" : ": " + r.last_line;
  if (r.timed_out) {
    r.error = fmt::format("timed out after {}{}", FormatDuration(spec.timeout), said);
  } else if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
    r.ok = r.exit_code == 0;
    if (r.exit_code == 127) r.error = fmt::format("command not found (exit 127){}", said);
    else if (!r.ok) r.error = fmt::format("exited {}{}", r.exit_code, said);
  } else if (WIFSIGNALED(status)) {
    r.error = fmt::format("killed by signal {}{}", WTERMSIG(status), said);
  }
  return r;
}

}  // namespace ctodesk::backups
