// One test per manifest format, each with the quirks real files have, and
// malformed manifests reported with file and line.
#include "desks/radar/manifest.h"

#include <set>

#include <gtest/gtest.h>

namespace ctodesk::radar {
namespace {

ParsedManifest Parse(std::string_view file, std::string_view text) {
  auto kind = ManifestKindOf(file);
  EXPECT_TRUE(kind.has_value()) << file;
  return kind ? ParseManifest(*kind, text, std::string(file)) : ParsedManifest{};
}

const Dependency* Find(const ParsedManifest& p, std::string_view name) {
  for (const Dependency& d : p.deps) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

TEST(ManifestKind, RecognisesFileNames) {
  EXPECT_EQ(ManifestKindOf("web/package.json"), ManifestKind::kPackageJson);
  EXPECT_EQ(ManifestKindOf("requirements-dev.txt"), ManifestKind::kRequirements);
  EXPECT_EQ(ManifestKindOf("api/requirements/prod.txt"), ManifestKind::kRequirements);
  EXPECT_FALSE(ManifestKindOf("docs/notes.txt").has_value());
  EXPECT_EQ(ManifestKindOf("docker/Dockerfile.prod"), ManifestKind::kDockerfile);
  EXPECT_EQ(ManifestKindOf("docker-compose.override.yml"), ManifestKind::kCompose);
  EXPECT_EQ(ManifestKindOf(".github/workflows/ci.yml"), ManifestKind::kWorkflow);
  EXPECT_EQ(ManifestKindOf("cmake/FindFoo.cmake"), ManifestKind::kCMake);
  EXPECT_FALSE(ManifestKindOf("src/workflows/ci.yml").has_value());
  EXPECT_FALSE(ManifestKindOf("README.md").has_value());
}

TEST(PackageJson, DependenciesWorkspacesGitAndAliases) {
  auto p = Parse("package.json", R"({
  "name": "shop",
  "workspaces": ["packages/*", "apps/web"],
  "engines": { "node": ">=18.17 <21" },
  "dependencies": {
    "react": "^18.2.0",
    "left-pad": "github:stevemao/left-pad#v1.3.0",
    "ui-kit": "workspace:*",
    "lodash-old": "npm:lodash@^3.10.1",
    "local-lib": "file:../local-lib"
  },
  "devDependencies": {
    "typescript": "~5.3.3"
  }
})");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].ToString();
  EXPECT_EQ(p.workspaces, (std::vector<std::string>{"packages/*", "apps/web"}));
  EXPECT_EQ(p.package, "shop");
  const Dependency* react = Find(p, "react");
  ASSERT_NE(react, nullptr);
  EXPECT_EQ(react->version, "^18.2.0");
  EXPECT_EQ(react->line, 6);
  EXPECT_EQ(Find(p, "left-pad")->source, "git");
  EXPECT_EQ(Find(p, "ui-kit"), nullptr);  // a package of this repository
  ASSERT_NE(Find(p, "lodash"), nullptr);  // the alias's real name
  EXPECT_EQ(Find(p, "lodash")->version, "^3.10.1");
  EXPECT_EQ(Find(p, "local-lib")->source, "path");
  EXPECT_EQ(Find(p, "typescript")->line, 13);
  const Dependency* node = Find(p, "node");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->ecosystem, "runtime");
  EXPECT_EQ(node->line, 4);
}

TEST(PackageJson, ObjectWorkspacesAndMalformed) {
  auto ok = Parse("package.json", R"({"workspaces": {"packages": ["libs/*"]}})");
  EXPECT_EQ(ok.workspaces, std::vector<std::string>{"libs/*"});
  auto bad = Parse("shop/package.json", "{\n  \"dependencies\": {\n    \"react\": \"^18\",\n    \"vue\" \"3\"\n  }\n}\n");
  ASSERT_EQ(bad.issues.size(), 1u);
  EXPECT_EQ(bad.issues[0].file, "shop/package.json");
  EXPECT_EQ(bad.issues[0].line, 4);
  EXPECT_NE(bad.issues[0].message.find("not valid JSON"), std::string::npos);
  auto wrong = Parse("package.json", R"({"dependencies": {"react": 18}})");
  ASSERT_EQ(wrong.issues.size(), 1u);
  EXPECT_NE(wrong.issues[0].message.find("\"react\""), std::string::npos);
}

TEST(PackageLock, Version3And1) {
  auto v3 = Parse("package-lock.json", R"({
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "shop"},
    "packages/ui": {"name": "ui"},
    "node_modules/ui": {"link": true, "resolved": "packages/ui"},
    "node_modules/react": {"version": "18.2.0"},
    "node_modules/a/node_modules/react": {"version": "17.0.2"}
  }
})");
  ASSERT_EQ(v3.deps.size(), 2u);
  std::set<std::string> versions;
  for (const auto& d : v3.deps) {
    EXPECT_EQ(d.name, "react");
    EXPECT_FALSE(d.direct);
    versions.insert(d.version);
  }
  EXPECT_EQ(versions, (std::set<std::string>{"17.0.2", "18.2.0"}));
  auto v1 = Parse("package-lock.json", R"({"lockfileVersion": 1, "dependencies": {
    "express": {"version": "4.18.2", "dependencies": {"debug": {"version": "2.6.9"}}}}})");
  ASSERT_EQ(v1.deps.size(), 2u);
  EXPECT_EQ(Find(v1, "debug")->version, "2.6.9");
}

TEST(Json, HugeNumbersAndWrongTypesAreIssuesNotCrashes) {
  auto huge = Parse("package.json", "{\"version\": 1e99999}");
  ASSERT_EQ(huge.issues.size(), 1u);
  EXPECT_NE(huge.issues[0].message.find("out of range"), std::string::npos);
  auto typed = Parse("package-lock.json", R"({"packages": {"node_modules/a": {"version": 5}}})");
  ASSERT_EQ(typed.issues.size(), 1u);
  EXPECT_EQ(typed.issues[0].file, "package-lock.json");
  EXPECT_NE(typed.issues[0].message.find("unexpected structure"), std::string::npos);
}

TEST(Requirements, CommentsMarkersExtrasGitAndContinuations) {
  auto p = Parse("requirements.txt",
                 "# pinned for prod\n"
                 "Django>=3.2,<4.0  # LTS\n"
                 "requests[security]==2.31.0 ; python_version >= \"3.8\"\n"
                 "-r base.txt\n"
                 "--index-url https://pypi.example.com/simple\n"
                 "-e git+https://github.com/acme/tools.git@main#egg=acme-tools\n"
                 "celery \\\n"
                 "    ==5.3.4\n"
                 "mypkg @ git+https://github.com/acme/mypkg@v1\n"
                 "this is not a requirement\n");
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].line, 10);
  EXPECT_EQ(Find(p, "django")->version, ">=3.2,<4.0");
  EXPECT_EQ(Find(p, "django")->line, 2);
  EXPECT_EQ(Find(p, "requests")->version, "==2.31.0");
  EXPECT_EQ(Find(p, "acme-tools")->source, "git");
  EXPECT_EQ(Find(p, "celery")->version, "==5.3.4");
  EXPECT_EQ(Find(p, "celery")->line, 7);
  EXPECT_EQ(Find(p, "mypkg")->source, "git");
}

TEST(Pyproject, Pep621AndPoetryGroups) {
  auto p = Parse("pyproject.toml", R"toml([project]
name = "billing"
requires-python = ">=3.7"
dependencies = [
  "fastapi>=0.100",  # web
  "pydantic (>=2,<3)",
]

[tool.poetry.dependencies]
python = "^3.7"
sqlalchemy = { version = "^1.4", extras = ["asyncio"] }
internal = { git = "https://github.com/acme/internal.git", tag = "v2" }

[tool.poetry.group.test.dependencies]
pytest = "^7.4"
)toml");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].ToString();
  EXPECT_EQ(Find(p, "fastapi")->line, 5);
  EXPECT_EQ(Find(p, "pydantic")->version, ">=2,<3");
  EXPECT_EQ(Find(p, "sqlalchemy")->version, "^1.4");
  EXPECT_EQ(Find(p, "internal")->source, "git");
  EXPECT_EQ(Find(p, "pytest")->line, 15);
  int pythons = 0;
  for (const auto& d : p.deps) pythons += d.name == "python" && d.ecosystem == "runtime";
  EXPECT_EQ(pythons, 2);
  auto bad = Parse("pyproject.toml", "[project]\nname = \"x\"\ndependencies = [\"a\",\n");
  ASSERT_EQ(bad.issues.size(), 1u);
  EXPECT_GE(bad.issues[0].line, 3);
  EXPECT_NE(bad.issues[0].message.find("not valid TOML"), std::string::npos);
}

TEST(PoetryLock, PackagesAndGitSource) {
  auto p = Parse("poetry.lock", R"(# This file is automatically @generated by Poetry
[[package]]
name = "Django"
version = "3.2.23"

[[package]]
name = "internal"
version = "2.0.0"

[package.source]
type = "git"
url = "https://github.com/acme/internal.git"
)");
  ASSERT_EQ(p.deps.size(), 2u);
  EXPECT_EQ(p.deps[0].name, "django");
  EXPECT_EQ(p.deps[0].line, 2);
  EXPECT_FALSE(p.deps[0].direct);
  EXPECT_EQ(p.deps[1].source, "git");
}

TEST(GoMod, BlocksIndirectCommentsAndReplace) {
  auto p = Parse("go.mod", R"(module github.com/acme/tracker

go 1.19

require (
	github.com/gin-gonic/gin v1.9.1 // web
	golang.org/x/text v0.14.0 // indirect
)

require github.com/lib/pq v1.10.9

replace (
	github.com/lib/pq => ../pq
)
)");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].ToString();
  EXPECT_EQ(Find(p, "go")->version, "1.19");
  EXPECT_EQ(Find(p, "github.com/gin-gonic/gin")->line, 6);
  EXPECT_TRUE(Find(p, "github.com/gin-gonic/gin")->direct);
  EXPECT_FALSE(Find(p, "golang.org/x/text")->direct);
  EXPECT_EQ(Find(p, "github.com/lib/pq")->version, "v1.10.9");
  EXPECT_EQ(p.deps.size(), 4u);  // nothing from replace
  auto bad = Parse("go.mod", "module x\n\nrequire (\n\tgithub.com/a/b\n");
  ASSERT_EQ(bad.issues.size(), 2u);
  EXPECT_EQ(bad.issues[0].line, 4);
}

TEST(CargoToml, TablesRenamesTargetsAndWorkspace) {
  auto p = Parse("Cargo.toml", R"([package]
name = "ingest"
rust-version = "1.70"

[dependencies]
serde = { version = "1.0", features = ["derive"] }
tokio = "1.35"
json = { package = "serde_json", version = "1" }
local = { path = "../local" }
shared = { workspace = true }

[target.'cfg(unix)'.dependencies]
nix = "0.27"

[workspace]
members = ["crates/*"]
)");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].ToString();
  EXPECT_EQ(Find(p, "serde")->version, "1.0");
  EXPECT_EQ(Find(p, "serde")->line, 6);
  EXPECT_NE(Find(p, "serde_json"), nullptr);
  EXPECT_EQ(Find(p, "local")->source, "path");
  EXPECT_EQ(Find(p, "shared"), nullptr);
  EXPECT_EQ(Find(p, "nix")->version, "0.27");
  EXPECT_EQ(Find(p, "rust")->ecosystem, "runtime");
  EXPECT_EQ(p.workspaces, std::vector<std::string>{"crates/*"});
}

TEST(CargoLock, Packages) {
  auto p = Parse("Cargo.lock", R"(version = 3

[[package]]
name = "serde"
version = "1.0.193"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "forked"
version = "0.1.0"
source = "git+https://github.com/acme/forked#abc"
)");
  ASSERT_EQ(p.deps.size(), 2u);
  EXPECT_EQ(p.deps[0].version, "1.0.193");
  EXPECT_EQ(p.deps[1].source, "git");
}

TEST(Pom, PropertiesCommentsParentAndUnclosed) {
  auto p = Parse("pom.xml", R"(<?xml version="1.0"?>
<project>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>2.7.18</version>
  </parent>
  <properties>
    <java.version>11</java.version>
    <jackson.version>2.15.3</jackson.version>
  </properties>
  <dependencies>
    <!-- <dependency><groupId>old</groupId><artifactId>gone</artifactId></dependency> -->
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
      <version>${jackson.version}</version>
    </dependency>
  </dependencies>
</project>
)");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].ToString();
  EXPECT_EQ(Find(p, "old:gone"), nullptr);
  const Dependency* jackson = Find(p, "com.fasterxml.jackson.core:jackson-databind");
  ASSERT_NE(jackson, nullptr);
  EXPECT_EQ(jackson->version, "2.15.3");
  EXPECT_EQ(jackson->line, 14);
  EXPECT_EQ(Find(p, "org.springframework.boot:spring-boot-starter-parent")->version, "2.7.18");
  EXPECT_EQ(Find(p, "java")->version, "11");
  auto bad = Parse("pom.xml", "<project>\n<dependencies>\n<dependency>\n<artifactId>x</artifactId>\n");
  ASSERT_EQ(bad.issues.size(), 1u);
  EXPECT_EQ(bad.issues[0].line, 3);
}

TEST(Gradle, GroovyKotlinPluginsAndComments) {
  auto p = Parse("build.gradle.kts", R"(plugins {
    id("org.springframework.boot") version "3.2.0"
}
dependencies {
    implementation("org.postgresql:postgresql:42.7.1")
    // implementation("com.example:commented-out:1.0")
    testImplementation 'junit:junit:4.13.2'
    implementation(platform("org.springframework.boot:spring-boot-dependencies:3.2.0"))
    compileOnly group: 'org.projectlombok', name: 'lombok', version: '1.18.30'
}
)");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].ToString();
  EXPECT_EQ(Find(p, "org.postgresql:postgresql")->line, 5);
  EXPECT_EQ(Find(p, "com.example:commented-out"), nullptr);
  EXPECT_EQ(Find(p, "junit:junit")->version, "4.13.2");
  EXPECT_NE(Find(p, "org.springframework.boot:spring-boot-dependencies"), nullptr);
  EXPECT_EQ(Find(p, "org.projectlombok:lombok")->version, "1.18.30");
  EXPECT_EQ(Find(p, "org.springframework.boot")->version, "3.2.0");
  auto bad = Parse("build.gradle", "dependencies {\n  implementation 'a:b:1'\n");
  ASSERT_EQ(bad.issues.size(), 1u);
  EXPECT_NE(bad.issues[0].message.find("unclosed"), std::string::npos);
}

TEST(GemfileLock, SpecsGitDependenciesAndRuby) {
  auto p = Parse("Gemfile.lock", R"(GIT
  remote: https://github.com/acme/payments.git
  revision: abc123
  specs:
    payments (0.4.0)

GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.15.5-x86_64-linux)
      racc (~> 1.4)
    rails (6.1.7.6)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  payments!
  rails (~> 6.1)

RUBY VERSION
   ruby 2.7.8p225
)");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].ToString();
  EXPECT_EQ(Find(p, "nokogiri")->version, "1.15.5");
  EXPECT_EQ(Find(p, "racc"), nullptr);  // a dependency's dependency line
  int rails = 0;
  for (const auto& d : p.deps) rails += d.name == "rails";
  EXPECT_EQ(rails, 2);  // resolved + declared
  const Dependency* payments_direct = nullptr;
  for (const auto& d : p.deps) {
    if (d.name == "payments" && d.direct) payments_direct = &d;
  }
  ASSERT_NE(payments_direct, nullptr);
  EXPECT_EQ(payments_direct->source, "git");
  EXPECT_EQ(Find(p, "ruby")->version, "2.7.8p225");
  EXPECT_EQ(Find(p, "ruby")->line, 22);
}

TEST(Composer, PhpExtensionsAndDevBranches) {
  auto p = Parse("composer.json", R"({
  "require": {
    "php": "^7.4 || ^8.0",
    "ext-json": "*",
    "laravel/framework": "^8.75",
    "acme/sdk": "dev-main"
  },
  "require-dev": {"phpunit/phpunit": "^9.5"}
})");
  EXPECT_EQ(Find(p, "php")->ecosystem, "runtime");
  EXPECT_EQ(Find(p, "ext-json"), nullptr);
  EXPECT_EQ(Find(p, "laravel/framework")->line, 5);
  EXPECT_EQ(Find(p, "acme/sdk")->source, "git");
  EXPECT_EQ(Find(p, "phpunit/phpunit")->version, "^9.5");
}

TEST(Vcpkg, NamesObjectsAndOverrides) {
  auto p = Parse("vcpkg.json", R"({
  "name": "engine",
  "dependencies": [
    "fmt",
    { "name": "boost-asio", "version>=": "1.83.0" }
  ],
  "overrides": [{ "name": "fmt", "version": "10.1.1" }]
})");
  ASSERT_EQ(p.deps.size(), 2u);
  EXPECT_EQ(Find(p, "fmt")->version, "10.1.1");
  EXPECT_EQ(Find(p, "fmt")->line, 4);
  EXPECT_EQ(Find(p, "boost-asio")->version, "1.83.0");
}

TEST(Conan, SectionsCommentsAndReferences) {
  auto p = Parse("conanfile.txt", R"([requires]
zlib/1.3  # compression
fmt/10.1.1@acme/stable

[generators]
CMakeDeps

[tool_requires]
cmake/3.27.7
oops
)");
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].line, 10);
  EXPECT_EQ(Find(p, "zlib")->version, "1.3");
  EXPECT_EQ(Find(p, "fmt")->version, "10.1.1");
  EXPECT_EQ(Find(p, "cmake")->line, 9);
  EXPECT_EQ(Find(p, "CMakeDeps"), nullptr);
}

TEST(CMake, FindPackageVersionsAndComments) {
  auto p = Parse("CMakeLists.txt", R"(cmake_minimum_required(VERSION 3.20)
# find_package(Qt5 REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
FIND_PACKAGE(OpenSSL)
find_package(
  fmt 10 CONFIG)
)");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].ToString();
  EXPECT_EQ(Find(p, "Qt5"), nullptr);
  EXPECT_EQ(Find(p, "Boost")->version, "1.74");
  EXPECT_EQ(Find(p, "Boost")->line, 3);
  EXPECT_NE(Find(p, "OpenSSL"), nullptr);
  EXPECT_EQ(Find(p, "fmt")->line, 5);
  auto bad = Parse("CMakeLists.txt", "project(x)\nfind_package(Boost\n");
  ASSERT_EQ(bad.issues.size(), 1u);
}

TEST(Dockerfile, StagesArgsRegistriesAndDigests) {
  auto p = Parse("Dockerfile", R"(ARG NODE_VERSION=16
# FROM ubuntu:18.04
FROM --platform=linux/amd64 node:${NODE_VERSION}-alpine AS build
RUN npm ci
FROM build AS test
FROM docker.io/library/nginx:1.25@sha256:abcdef AS final
FROM scratch
from registry.example.com:5000/team/base:2.1
)");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].ToString();
  ASSERT_EQ(p.deps.size(), 3u);
  EXPECT_EQ(p.deps[0].name, "node");
  EXPECT_EQ(p.deps[0].version, "16-alpine");
  EXPECT_EQ(p.deps[0].line, 3);
  EXPECT_EQ(p.deps[1].name, "nginx");
  EXPECT_EQ(p.deps[1].version, "1.25");
  EXPECT_EQ(p.deps[2].name, "team/base");
  auto bad = Parse("Dockerfile", "FROM\n");
  ASSERT_EQ(bad.issues.size(), 1u);
  EXPECT_EQ(bad.issues[0].line, 1);
}

TEST(Compose, ServicesImagesQuotesAndDefaults) {
  auto p = Parse("docker-compose.yml", R"(services:
  db:
    image: "postgres:13"   # primary
  cache:
    image: redis
  search:
    image: docker.elastic.co/elasticsearch/elasticsearch:7.17.9
  app:
    build: .
    image: ${REGISTRY:-ghcr.io/acme}/app:${TAG:-latest}
)");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].ToString();
  ASSERT_EQ(p.deps.size(), 4u);
  EXPECT_EQ(p.deps[0].name, "postgres");
  EXPECT_EQ(p.deps[0].version, "13");
  EXPECT_EQ(p.deps[1].version, "");
  EXPECT_EQ(p.deps[2].name, "elasticsearch/elasticsearch");
  EXPECT_EQ(p.deps[3].name, "acme/app");
  auto bad = Parse("compose.yaml", "services:\n\tdb:\n    image:\n");
  ASSERT_EQ(bad.issues.size(), 2u);
  EXPECT_EQ(bad.issues[0].line, 2);
  EXPECT_EQ(bad.issues[1].line, 3);
}

TEST(ToolVersions, ToolsCommentsAndFallbacks) {
  auto p = Parse(".tool-versions", "# asdf\nnodejs 18.19.0\npython 3.11.6 3.10.13\ngolang 1.21.5 # ci\nruby\n");
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].line, 5);
  EXPECT_EQ(Find(p, "node")->version, "18.19.0");
  EXPECT_EQ(Find(p, "python")->version, "3.11.6");
  EXPECT_EQ(Find(p, "go")->line, 4);
}

TEST(VersionFiles, NvmrcPythonRuby) {
  auto nvm = Parse(".nvmrc", "v16.20.2\n");
  ASSERT_EQ(nvm.deps.size(), 1u);
  EXPECT_EQ(nvm.deps[0].name, "node");
  EXPECT_EQ(VersionNumber(nvm.deps[0].version), "16.20.2");
  auto lts = Parse(".nvmrc", "lts/hydrogen\n");
  EXPECT_EQ(VersionNumber(lts.deps.at(0).version), "18");
  EXPECT_EQ(Parse(".ruby-version", "ruby-3.2.2\n").deps.at(0).version, "3.2.2");
  auto bad = Parse(".python-version", "\n\nsystem python\n");
  ASSERT_EQ(bad.issues.size(), 1u);
  EXPECT_EQ(bad.issues[0].line, 3);
}

TEST(Workflow, UsesContainersAndLocalActions) {
  auto p = Parse(".github/workflows/ci.yml", R"(on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container: python:3.8-slim
    services:
      db:
        image: postgres:12
    steps:
      - uses: actions/checkout@v4
      - uses: "actions/setup-node@v3"   # node
      - uses: ./.github/actions/local
      - uses: docker://alpine:3.18
      - uses: broken-action
)");
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].line, 14);
  EXPECT_EQ(Find(p, "actions/checkout")->version, "v4");
  EXPECT_EQ(Find(p, "actions/setup-node")->line, 11);
  EXPECT_EQ(Find(p, "python")->version, "3.8-slim");
  EXPECT_EQ(Find(p, "postgres")->version, "12");
  EXPECT_EQ(Find(p, "alpine")->version, "3.18");
  EXPECT_EQ(p.deps.size(), 5u);
}

TEST(Versions, NumbersAndMajors) {
  EXPECT_EQ(VersionNumber("^16.2.0"), "16.2.0");
  EXPECT_EQ(VersionNumber(">=3.8,<4"), "3.8");
  EXPECT_EQ(VersionNumber("13-alpine"), "13");
  EXPECT_EQ(VersionNumber("bullseye-slim"), "11");
  EXPECT_EQ(VersionNumber("jammy"), "22.04");
  EXPECT_EQ(VersionNumber("latest"), "");
  EXPECT_EQ(VersionNumber("*"), "");
  EXPECT_EQ(MajorVersion("~> 6.1"), "6");
  EXPECT_EQ(MajorVersion("0.27.1"), "0.27");
  EXPECT_EQ(MajorVersion("v1.9.1"), "1");
}

}  // namespace
}  // namespace ctodesk::radar
