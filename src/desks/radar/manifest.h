// Reading dependency manifests: what a repository builds on. Each parser is
// pure — text in, entries out, with the line each entry was found on — and
// never throws: a manifest it cannot read gives an issue naming the file and
// line, and whatever entries it could read before that. I/O (walking a
// repository, reading files) lives in inventory.h.
//
// Formats, chosen by file name (ManifestKindOf): package.json,
// package-lock.json, yarn.lock (v1 and Berry) and pnpm-lock.yaml (npm,
// workspaces), requirements*.txt, Pipfile, pyproject.toml (PEP 621 and
// Poetry), poetry.lock, go.mod, Cargo.toml, Cargo.lock, pom.xml,
// build.gradle(.kts), gradle/libs.versions.toml, Gemfile.lock,
// composer.json, vcpkg.json, conanfile.txt, CMakeLists.txt / *.cmake
// (find_package), Dockerfile (FROM), docker-compose / compose YAML (image:),
// .tool-versions, .nvmrc, .python-version, .ruby-version and GitHub workflow
// YAML (uses:). YAML files are read line by line, not parsed as YAML.
//
// All functions are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ctodesk::radar {

enum class ManifestKind {
  kPackageJson, kPackageLock, kRequirements, kPyproject, kPoetryLock, kGoMod, kCargoToml,
  kCargoLock, kPom, kGradle, kGemfileLock, kComposer, kVcpkg, kConan, kCMake, kDockerfile,
  kCompose, kToolVersions, kNvmrc, kPythonVersion, kRubyVersion, kWorkflow, kYarnLock, kPnpmLock,
  kGradleCatalog, kPipfile,
};

// The kind of manifest at `path` (relative to the repository, '/'-separated),
// or nullopt when it is not one. Workflows are recognised only under
// .github/workflows/.
std::optional<ManifestKind> ManifestKindOf(std::string_view path);

// One thing a repository uses, as the manifest spells it.
struct Dependency {
  // "npm", "pypi", "go", "cargo", "maven", "gem", "composer", "vcpkg",
  // "conan", "cmake", "docker" (images), "runtime" (node, python, go, ruby,
  // java, php, rust: from engines, requires-python, go directives, version
  // files), "github-action".
  std::string ecosystem;
  std::string name;     // "react", "org.springframework:spring-core", "postgres"
  std::string version;  // as written: "^18.2.0", ">=3.8,<4", "13-alpine"; may be empty
  std::string file;     // as given to Parse
  int line = 0;         // 1-based
  bool direct = true;   // false: a lockfile entry (resolved, maybe transitive)
  std::string source;   // "git", "path" or "url" when not from a registry; else empty
};

struct ManifestIssue {
  std::string file;
  int line = 0;  // 0 when the whole file is at fault
  std::string message;
  std::string ToString() const;  // "repo/package.json:7: expected ..."
};

struct ParsedManifest {
  std::vector<Dependency> deps;
  std::vector<ManifestIssue> issues;
  std::vector<std::string> workspaces;  // package.json / Cargo.toml workspace members (globs)
  std::string package;  // the name this manifest publishes (package.json, Cargo.toml, pyproject), if any
};

// Parses `text` as a manifest of `kind`; `file` names it in entries and issues.
ParsedManifest ParseManifest(ManifestKind kind, std::string_view text, const std::string& file);

// The first version number in a spec: "^16.2.0" -> "16.2.0", ">=3.8,<4" ->
// "3.8", "13-alpine" -> "13", "v18" -> "18". Docker codenames map to their
// version ("bullseye" -> "11", "jammy" -> "22.04"); nvm aliases too
// ("lts/hydrogen" -> "18"). Empty when there is none ("latest", "*").
std::string VersionNumber(std::string_view spec);
// The major version of a spec for comparing across repositories: the first
// number, or "0.<minor>" for 0.x versions. Empty when there is none.
std::string MajorVersion(std::string_view spec);

}  // namespace ctodesk::radar
