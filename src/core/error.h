// Errors as values. A `Result<T>` is either a T or an `Error` that says what
// went wrong and where (a file, line and field when there is one), in words a
// user can act on. Library code returns these; only cli/ turns them into an
// exit code. Thread-compatible value types.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace ctodesk {

enum class ErrorCode {
  kInvalidInput,  // bad config, bad file, bad argument: the user can fix it
  kNotFound,
  kIo,            // a file or socket that could not be read or written
  kStore,         // the embedded store refused
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // one line, starting with where: "ctodesk.toml:4:1: ..."

  static Error Invalid(std::string m) { return {ErrorCode::kInvalidInput, std::move(m)}; }
  static Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Error Io(std::string m) { return {ErrorCode::kIo, std::move(m)}; }
  static Error Store(std::string m) { return {ErrorCode::kStore, std::move(m)}; }
  static Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
};

template <typename T>
using Result = tl::expected<T, Error>;

// Shorthand for returning an error from a function returning Result<T>.
inline tl::unexpected<Error> Fail(Error e) { return tl::unexpected<Error>(std::move(e)); }

}  // namespace ctodesk
