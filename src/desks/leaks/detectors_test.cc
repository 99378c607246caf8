// Every detector against a true positive generated from its format (never a
// real secret: random characters, checksums computed here) and near misses.
#include "desks/leaks/detectors.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

namespace ctodesk::leaks {
namespace {

class DetectorsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<Detector> all = BuiltinDetectors();
    all.push_back(OwnKeyDetector("acme"));
    auto set = DetectorSet::Build(std::move(all));
    ASSERT_TRUE(set.has_value()) << set.error().message;
    set_ = std::move(*set).release();
  }
  static void TearDownTestSuite() { delete set_; }

  // Rule ids found in `text`, with their secrets.
  static std::multimap<std::string, std::string> Find(std::string_view text) {
    auto scratch = set_->NewScratch();
    EXPECT_TRUE(scratch.has_value());
    auto hits = set_->Find(text, **scratch);
    EXPECT_TRUE(hits.has_value());
    std::multimap<std::string, std::string> out;
    for (const Hit& h : *hits) out.emplace(set_->detectors()[static_cast<size_t>(h.detector)].id, h.secret);
    return out;
  }
  static bool Finds(std::string_view text, const std::string& rule) { return Find(text).contains(rule); }

  static DetectorSet* set_;
};
DetectorSet* DetectorsTest::set_ = nullptr;

std::mt19937& Rng() {
  static std::mt19937 rng(20261127);
  return rng;
}

std::string Random(Chars chars, int n) {
  std::string_view pool = ClassChars(chars);
  std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
  std::string s;
  for (int i = 0; i < n; ++i) s += pool[pick(Rng())];
  return s;
}

// A NATS user seed for 32 raw bytes: base32 of the two prefix bytes ("SU"),
// the bytes and their CRC-16/XMODEM, little-endian.
std::string NkeySeedFor(const std::string& raw32) {
  // Seed prefix (18 << 3) with the user prefix (20 << 3) packed after it.
  std::string raw = {static_cast<char>((18 << 3) | ((20 << 3) >> 5)), static_cast<char>(((20 << 3) & 31) << 3)};
  raw += raw32.substr(0, 32);
  unsigned crc = 0;
  for (char c : raw) {
    crc ^= static_cast<unsigned>(static_cast<unsigned char>(c)) << 8;
    for (int k = 0; k < 8; ++k) crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  raw += static_cast<char>(crc & 0xff);
  raw += static_cast<char>(crc >> 8);
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : raw) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kAlphabet[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

// A token of `shape`, each segment `delta` characters longer than its
// maximum (0: exactly the maximum), with a correct checksum.
std::string Generate(const TokenShape& shape, int delta = 0) {
  std::string s = shape.prefixes.front();
  for (size_t i = 0; i < shape.body.size(); ++i) {
    const Segment& seg = shape.body[i];
    bool last = i + 1 == shape.body.size();
    int n = seg.max + (last ? delta : 0);
    std::string run;
    if (last && shape.checksum == Checksum::kCrc32Base62) {
      run = Random(seg.chars, n - 6);
      run += Base62(Crc32(run), 6);
    } else if (last && shape.checksum == Checksum::kCrc32Base62WholeToken) {
      run = Random(seg.chars, n - 6);
      run += Base62(Crc32(s + std::string(seg.lead) + run), 6);
    } else if (last && !shape.ends_with.empty()) {
      run = Random(seg.chars, n - static_cast<int>(shape.ends_with.size())) + std::string(shape.ends_with);
    } else {
      run = Random(seg.chars, n);
    }
    s += std::string(seg.lead) + run;
  }
  return s + std::string(shape.tail);
}

TEST_F(DetectorsTest, AtLeastAHundredDetectorsWithUniqueIds) {
  std::set<std::string> ids;
  for (const Detector& d : set_->detectors()) EXPECT_TRUE(ids.insert(d.id).second) << d.id;
  EXPECT_GE(set_->detectors().size(), 100u);
}

TEST_F(DetectorsTest, EveryShapeDetectorFindsAGeneratedTokenAndNotItsNearMisses) {
  int tested = 0;
  for (const Detector& d : set_->detectors()) {
    if (!d.shape) continue;
    ++tested;
    for (const std::string& prefix : d.shape->prefixes) {
      TokenShape one = *d.shape;
      one.prefixes = {prefix};
      std::string token = Generate(one);
      auto found = Find(fmt::format("config:\n  key = \"{}\"\n", token));
      bool ok = false;
      for (auto [it, end] = found.equal_range(d.id); it != end; ++it) ok = ok || token.find(it->second) != std::string::npos;
      EXPECT_TRUE(ok) << d.id << ": generated token not found (prefix " << prefix << ")";

      // Wrong length: one character too many in the last segment.
      EXPECT_FALSE(Finds(fmt::format("key = \"{}\"\n", Generate(one, 1)), d.id)) << d.id << ": too long accepted";
      // Too short (only when the last segment's length is fixed, else still valid).
      const Segment& last = one.body.back();
      if (last.min == last.max) {
        std::string shorter = Generate(one);
        size_t cut = shorter.size() - one.tail.size() - 1;
        shorter.erase(cut, 1);
        EXPECT_FALSE(Finds(fmt::format("key = \"{}\"\n", shorter), d.id)) << d.id << ": too short accepted";
      }
      // Placeholders.
      std::string placeholder = token;
      size_t body_at = prefix.size() + one.body.front().lead.size();
      placeholder.replace(body_at, 4, "XXXX");
      EXPECT_FALSE(Finds(fmt::format("key = \"{}\"\n", placeholder), d.id)) << d.id << ": XXXX accepted";
      std::string example = token;
      if (example.size() - body_at >= 7) {
        example.replace(body_at, 7, "EXAMPLE");
        EXPECT_FALSE(Finds(fmt::format("key = \"{}\"\n", example), d.id)) << d.id << ": EXAMPLE accepted";
      }
      // Glued to a word on the left: not a token boundary.
      if (std::isalnum(static_cast<unsigned char>(prefix[0]))) {
        EXPECT_FALSE(Finds(fmt::format("key = \"z{}\"\n", token), d.id)) << d.id << ": no left boundary";
      }
      // A bad checksum.
      if (one.checksum != Checksum::kNone) {
        std::string bad = token;
        char& c = bad[bad.size() - 1];
        c = c == 'A' ? 'B' : 'A';
        EXPECT_FALSE(Finds(fmt::format("key = \"{}\"\n", bad), d.id)) << d.id << ": bad checksum accepted";
      }
    }
  }
  EXPECT_GE(tested, 80);
}

TEST_F(DetectorsTest, GithubChecksumIsBase62Crc32OfTheRandomPart) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u) << "standard CRC-32 check value";
  EXPECT_EQ(Base62(0, 6), "000000");
  EXPECT_EQ(Base62(61, 2), "0z");
  EXPECT_EQ(Base62(62, 1), "10");
  std::string random = Random(Chars::kAlnum, 30);
  std::string token = "ghp_" + random + Base62(Crc32(random), 6);
  EXPECT_TRUE(Finds(token, "github-pat"));
  EXPECT_FALSE(Finds("ghp_" + random + "000000", "github-pat"));
}

// Hand-made cases for detectors with a validator of their own.
struct Case {
  std::string rule;
  std::string text;
  bool found;
  std::string why;
};

TEST_F(DetectorsTest, ContextAndFormatDetectors) {
  const std::string b64_40 = Random(Chars::kBase64, 40);
  const std::string hex32 = Random(Chars::kHexLower, 32);
  const std::string pem_body = Random(Chars::kBase64, 64) + "\n" + Random(Chars::kBase64, 64) + "\n" + Random(Chars::kBase64, 20);
  const std::string jwt_header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";  // {"alg":"HS256","typ":"JWT"}
  const std::string jwt_payload = "eyJzdWIiOiIxMjM0NSIsIm5hbWUiOiJ4In0";   // {"sub":"12345","name":"x"}
  const std::string jwt = jwt_header + "." + jwt_payload + "." + Random(Chars::kBase64Url, 43);
  const std::string pw = Random(Chars::kAlnum, 14) + "!3";
  const std::string docker_auth = "dXNlcjpzM2NyM3QtcGFzcw==";  // user:s3cr3t-pass
  const std::string basic = "ZGVwbG95OnE4WnIyTG1UMHBXeA==";    // deploy:q8Zr2LmT0pWx
  const std::string nkey_seed = NkeySeedFor(Random(Chars::kAlnum, 32));
  std::string nkey_bad = nkey_seed;
  nkey_bad[40] = nkey_bad[40] == 'A' ? 'B' : 'A';
  const std::vector<Case> cases = {
      {"aws-secret-access-key", "aws_secret_access_key = " + b64_40, true, "ini assignment"},
      {"aws-secret-access-key", "AWS_SECRET_ACCESS_KEY: \"" + b64_40 + "\"", true, "yaml, upper case"},
      {"aws-secret-access-key", "aws_secret_access_key = " + b64_40.substr(0, 39), false, "39 chars"},
      {"aws-secret-access-key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", false, "AWS's documented example"},
      {"aws-secret-access-key", "aws_secret_access_key == " + b64_40, false, "a comparison"},
      {"twilio-auth-token", "TWILIO_AUTH_TOKEN=" + hex32, true, "env file"},
      {"twilio-auth-token", "TWILIO_AUTH_TOKEN=" + hex32.substr(1), false, "31 hex"},
      {"twilio-api-key", "SK" + hex32, true, "key sid"},
      {"twilio-api-key", "TASK" + hex32, false, "glued"},
      {"mailgun-api-key", "key-" + hex32, true, "legacy key"},
      {"mailchimp-api-key", hex32 + "-us12", true, "with datacenter"},
      {"mailchimp-api-key", hex32 + "-usa", false, "no datacenter digits"},
      {"private-key-rsa", "-----BEGIN RSA PRIVATE KEY-----\n" + pem_body + "\n-----END RSA PRIVATE KEY-----\n", true, "pem file"},
      {"private-key-rsa", "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n", false, "elided body"},
      {"private-key-pkcs8", "{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n" + Random(Chars::kBase64, 64) + "\\n" + Random(Chars::kBase64, 64) + "\\n-----END PRIVATE KEY-----\\n\"}", true, "json escapes"},
      {"private-key-openssh", "-----BEGIN OPENSSH PRIVATE KEY-----\n" + pem_body + "\n-----END OPENSSH PRIVATE KEY-----", true, "openssh"},
      {"private-key-ec", "-----BEGIN EC PRIVATE KEY-----\n" + pem_body + "\n-----END EC PRIVATE KEY-----", true, "ec"},
      {"private-key-dsa", "-----BEGIN DSA PRIVATE KEY-----\n" + pem_body + "\n-----END DSA PRIVATE KEY-----", true, "dsa"},
      {"private-key-encrypted", "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + pem_body + "\n-----END ENCRYPTED PRIVATE KEY-----", true, "encrypted"},
      {"private-key-pgp", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + pem_body + "\n-----END PGP PRIVATE KEY BLOCK-----", true, "pgp"},
      {"private-key-rsa", "-----BEGIN RSA PRIVATE KEY-----\n" + pem_body, false, "no END line"},
      {"private-key-putty", "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: x\nPublic-Lines: 1\nAAAA\nPrivate-Lines: 2\n" + Random(Chars::kBase64, 64) + "\n" + Random(Chars::kBase64, 20) + "\nPrivate-MAC: 00\n", true, "ppk"},
      {"jwt", "Authorization: Bearer " + jwt, true, "bearer"},
      {"jwt", "eyJub3RoaW5nIjoiaGVyZSJ9." + jwt_payload + "." + Random(Chars::kBase64Url, 43), false, "header without alg"},
      {"jwt", jwt_header + "." + jwt_payload + ".", false, "unsigned"},
      {"database-url", "DATABASE_URL=postgres://app:" + pw + "@db.internal.acme-corp.net:5432/app", true, "postgres"},
      {"database-url", "mongodb+srv://svc:" + pw + "@cluster0.mongodb.net/x", true, "mongodb+srv"},
      {"database-url", "postgres://app:${DB_PASSWORD}@db/app", false, "interpolated"},
      {"database-url", "postgres://app:password@db.internal/app", false, "the word password"},
      {"database-url", "postgres://app:<password>@db.internal/app", false, "angle placeholder"},
      {"url-credentials", "https://deploy:" + pw + "@git.acme-corp.io/repo.git", true, ".git-credentials"},
      {"url-credentials", "https://deploy:" + pw + "@git.example.org/repo.git", false, "a documentation host (RFC 2606)"},
      {"url-credentials", "fmt.Sprintf(\"nats://svc:" + pw + "@%s:%d\", host, port)", true, "host filled in at run time"},
      {"url-credentials", "nats://svc:test123456@broker.acme-corp.io", false, "a demo password"},
      {"database-url", "postgresql+psycopg2://app:" + pw + "@db.acme-corp.io/app", true, "driver-qualified scheme"},
      {"database-url", "postgresql+psycopg2://app@db.acme-corp.io/app", false, "no password"},
      {"url-credentials", "https://user:pass@example.org/", false, "placeholder pair"},
      {"url-credentials", "see https://example.org/a:b@c", false, "no user:pass before the host"},
      {"gcp-service-account", "{\"type\": \"service_account\", \"private_key_id\": \"" + Random(Chars::kHexLower, 40) + "\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nAAA\\n-----END PRIVATE KEY-----\\n\"}", true, "key file"},
      {"gcp-service-account", "{\"type\": \"service_account\", \"client_email\": \"x\"}", false, "no key"},
      {"azure-sas-token", "https://acct.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig=" + Random(Chars::kAlnum, 43) + "%3D", true, "sas url"},
      {"azure-sas-token", "https://x/?q=1&sig=" + Random(Chars::kAlnum, 43) + "%3D", false, "no sv/se"},
      {"azure-ad-client-secret", "client_secret: \"abc1Q~" + Random(Chars::kAlnum, 34) + "\"", true, "entra secret"},
      {"telegram-bot-token", "bot" + std::string("=") + "735029816:AA" + Random(Chars::kBase64Url, 33), true, "bot token"},
      {"openai-legacy-key", "sk-" + Random(Chars::kAlnum, 20) + "T3BlbkFJ" + Random(Chars::kAlnum, 20), true, "legacy"},
      {"terraform-cloud-token", Random(Chars::kAlnum, 14) + ".atlasv1." + Random(Chars::kBase64Url, 67), true, "tfc"},
      {"nuget-api-key", "oy2" + Random(Chars::kLowerAlnum, 43), true, "nuget"},
      {"airtable-pat", "pat" + Random(Chars::kAlnum, 14) + "." + Random(Chars::kHexLower, 64), true, "airtable"},
      {"airtable-pat", "compat" + Random(Chars::kAlnum, 14) + "." + Random(Chars::kHexLower, 64), false, "glued"},
      {"octopus-deploy-api-key", "API-" + Random(Chars::kUpperAlnum, 26), true, "octopus"},
      {"firebase-cloud-messaging-key", "AAAA" + Random(Chars::kBase64Url, 7) + ":APA91b" + Random(Chars::kBase64Url, 134), true, "fcm"},
      {"netrc-password", "machine api.example.org\n  login deploy\n  password " + pw + "\n", true, ".netrc"},
      {"netrc-password", "machine api.example.org login deploy\n", false, "no password"},
      {"netrc-password", "f'machine {host} login {user} password {self.password}'", false, "a format string"},
      {"pgpass-password", "db.example.org:5432:app:app:" + pw + "\n", true, ".pgpass"},
      {"pgpass-password", "db.example.org:5432:app:app:*\n", false, "wildcard"},
      {"docker-config-auth", "{\"auths\": {\"registry.example.org\": {\"auth\": \"" + docker_auth + "\"}}}", true, "docker config"},
      {"docker-config-auth", "{\"auth\": \"" + docker_auth + "\"}", false, "no auths block"},
      {"htpasswd-hash", "admin:$apr1$" + Random(Chars::kAlnum, 8) + "$" + Random(Chars::kBase64, 22) + "\n", true, "apr1"},
      {"shadow-hash", "root:$6$" + Random(Chars::kAlnum, 16) + "$" + Random(Chars::kBase64, 86) + ":19000:0:99999:7:::\n", true, "shadow"},
      {"shadow-hash", "echo $6$ is a var\n", false, "no user: prefix"},
      {"kubeconfig-client-key", "    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo" + Random(Chars::kBase64, 80) + "\n", true, "kubeconfig"},
      {"rails-secret-key-base", "secret_key_base: " + Random(Chars::kHexLower, 128), true, "rails"},
      {"django-secret-key", "SECRET_KEY = '" + Random(Chars::kBase64, 50) + "'", true, "django"},
      {"django-secret-key", "SECRET_KEY = os.environ['SECRET_KEY']", false, "from env"},
      {"generic-secret", "db_password = \"" + pw + "\"", true, "password literal"},
      {"generic-secret", "\"password\": \"" + pw + "\"", true, "json"},
      {"generic-secret", "password = \"changeme\"", false, "placeholder"},
      {"generic-secret", "password = os.getenv(\"DB_PASSWORD\")", false, "env lookup"},
      {"generic-secret", "password = user_password", false, "a variable"},
      {"generic-secret", "secret = keypair[:32]", false, "code"},
      {"generic-secret", "token: typing.Optional[str] = None", false, "a type annotation"},
      {"generic-secret", "private_key: \"_DSAPrivateKey\"", false, "a quoted type name"},
      {"generic-secret", "'access_token': 'askfjh234as9sd8',", false, "a doc example (keyboard mash)"},
      {"generic-secret", "DB_PASSWORD=" + pw, true, ".env, unquoted"},
      {"generic-secret", "'refresh_token': '2YotnFZFEjr1zCsicMWpAA'", false, "RFC 6749's example token"},
      {"generic-secret", "password_min_length = 12345678", false, "a setting about passwords"},
      {"generic-secret", "token = \"${TOKEN}\"", false, "interpolation"},
      {"generic-secret", "secret = \"aaaaaaaaaaaa\"", false, "low entropy"},
      {"generic-secret", "if password == \"" + pw + "\":", false, "comparison"},
      {"generic-secret", "password = \"" + pw + "\"  # ctodesk:allow", false, "inline allow"},
      {"generic-secret", "smtp_pass: \"Tq7wuvnemk\"", true, "pass as a word"},
      {"generic-secret", "pw = \"kq8Lzw-Pm\"", true, "pw as a word"},
      {"generic-secret", "const testPassword = \"mk;cbiudp*dhahnbhq\"", true, "punctuation inside quotes"},
      {"generic-secret", "bypass_cache = \"zK8qLm2pW\"", false, "bypass is not pass"},
      {"generic-secret", "\"LABEL_PASSWORD\": \"Contrase\xc3\xb1" "a\"", false, "a translation"},
      {"generic-secret", "\"PASSWORD_HINT\": \"Kz8qLm2pWx\"", false, "a key about passwords"},
      {"generic-secret", "password: 'admin123'", false, "a demo password"},
      {"generic-secret", "password = \"123456\"", false, "digits only"},
      {"generic-secret", "password = \"getpass()\"", false, "a call"},
      {"generic-secret", "challengePassword => '1.2.840.113549.1.9.7'", false, "an object identifier"},
      {"generic-secret", "refresh_token: \"98d4aad214377e\"", true, "short hex token"},
      {"generic-secret", "download?private_token=b99a78c94fa52f&ref=main", true, "query parameter"},
      {"generic-secret", "CLIENT_SECRET=brymttnkvlmojbdmvsyvmrbraddwokang", true, "long random letters"},
      {"generic-secret", "expectedAccessToken = \"Kz8qLm2pWx93\"", false, "a test's expected value"},
      {"generic-secret", "password=(&(sn=admin)(password=MYK*))", false, "an LDAP filter"},
      {"sql-password", "CREATE USER app WITH PASSWORD 'Xlqehk5ur$' SUPERUSER;", true, "postgres"},
      {"sql-password", "ALTER USER app IDENTIFIED BY \"Tz9mq2Lw\";", true, "mysql/oracle"},
      {"sql-password", "db.Exec(`ALTER USER ` + user + ` PASSWORD '` + newpw + `'`)", false, "built at run time"},
      {"sql-password", "-- the password 'Tz9mq2Lw' is rotated", false, "no user or role"},
      {"sql-password", "commits identified by \"squash\" commands", false, "prose"},
      {"sql-password", "GRANT ALL ON *.* TO 'app'@'%' IDENTIFIED BY 'Tz9mq2Lw';", true, "mysql grant"},
      {"generic-secret", "    pass = p4ssw0rd", false, "a leet demo password"},
      {"generic-secret", "credential-cache.o: CMakeFiles/git.dir/flags.make", false, "a Makefile rule"},
      {"http-basic-auth", "Authorization: Basic " + basic, true, "header"},
      {"http-basic-auth", "Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=", false, "username:password"},
      {"http-basic-auth", "Basic " + Random(Chars::kAlnum, 8) + " auth is simple", false, "no user:password inside"},
      {"http-bearer-token", "curl -H 'Authorization: Bearer " + hex32 + hex32 + "'", true, "curl header"},
      {"http-bearer-token", "Authorization: Bearer <token>", false, "placeholder"},
      {"http-bearer-token", "bearer tokens are sent in a header", false, "prose"},
      {"otpauth-secret", "otpauth://totp/Acme:alice?secret=" + Random(Chars::kBase32Upper, 32) + "&issuer=Acme", true, "totp uri"},
      {"otpauth-secret", "otpauth://totp/Acme:alice?issuer=Acme", false, "no secret"},
      {"nats-nkey-seed", "seed: " + nkey_seed, true, "user seed with its CRC-16"},
      {"nats-nkey-seed", "seed: " + nkey_bad, false, "bad CRC-16"},
  };
  for (const Case& c : cases) {
    std::string got;
    for (const auto& [rule, secret] : Find(c.text)) got += rule + " ";
    EXPECT_EQ(Finds(c.text, c.rule), c.found) << c.rule << ": " << c.why << "; found: " << got << "in " << c.text.size() << " bytes";
  }
}

TEST_F(DetectorsTest, SecretsAreNormalisedAndNotReportedTwice) {
  std::string body = Random(Chars::kBase64, 64) + "\n" + Random(Chars::kBase64, 64);
  auto pem = Find("-----BEGIN RSA PRIVATE KEY-----\n" + body + "\n-----END RSA PRIVATE KEY-----\n");
  ASSERT_EQ(pem.count("private-key-rsa"), 1u);
  std::string joined = body;
  joined.erase(std::remove(joined.begin(), joined.end(), '\n'), joined.end());
  EXPECT_EQ(pem.find("private-key-rsa")->second, joined) << "the secret is the body without line breaks";
}

TEST_F(DetectorsTest, Helpers) {
  EXPECT_TRUE(LooksLikePlaceholder("AKIAIOSFODNN7EXAMPLE"));
  EXPECT_TRUE(LooksLikePlaceholder("<your-token>"));
  EXPECT_TRUE(LooksLikePlaceholder("${TOKEN}"));
  EXPECT_TRUE(LooksLikePlaceholder("aaaaaaaa"));
  EXPECT_FALSE(LooksLikePlaceholder("q8Zr2LmT0pWx"));
  EXPECT_DOUBLE_EQ(Entropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(Entropy("abcd"), 2.0);
  EXPECT_EQ(DecodeBase64("dXNlcjpwYXNz"), "user:pass");
  EXPECT_EQ(DecodeBase64("dXNlcjpwYXNzMQ=="), "user:pass1");
  EXPECT_FALSE(DecodeBase64("not base64!").has_value());
}

}  // namespace
}  // namespace ctodesk::leaks
