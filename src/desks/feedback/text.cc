// The Porter stemmer below follows Martin Porter's reference C implementation
// (tartarus.org/martin/PorterStemmer), including its two published departures
// from the 1980 paper ("bli" -> "ble", "logi" -> "log"), so its output matches
// the reference vocabulary. Stems are cached per extractor: support tickets
// repeat a small vocabulary, and the cache makes stemming nearly free.
#include "desks/feedback/text.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_set>

namespace ctodesk::feedback {

namespace {

bool IsAsciiAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

bool IsSpace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

const std::unordered_set<std::string_view>& StopWords() {
  static const std::unordered_set<std::string_view> kWords = {
      // English function words (the classic SMART/NLTK core).
      "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as",
      "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can",
      "cant", "cannot", "could", "couldnt", "did", "didnt", "do", "does", "doesnt", "doing", "dont",
      "down", "during", "each", "few", "for", "from", "further", "had", "hadnt", "has", "hasnt", "have",
      "havent", "having", "he", "hed", "hell", "hes", "her", "here", "heres", "hers", "herself", "him",
      "himself", "his", "how", "hows", "i", "id", "ill", "im", "ive", "if", "in", "into", "is", "isnt",
      "it", "its", "itself", "lets", "me", "more", "most", "mustnt", "my", "myself", "no", "nor", "not",
      "of", "off", "on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out",
      "over", "own", "same", "shant", "she", "shed", "shell", "shes", "should", "shouldnt", "so", "some",
      "such", "than", "that", "thats", "the", "their", "theirs", "them", "themselves", "then", "there",
      "theres", "these", "they", "theyd", "theyll", "theyre", "theyve", "this", "those", "through", "to",
      "too", "under", "until", "up", "very", "was", "wasnt", "we", "wed", "well", "were", "weve",
      "werent", "what", "whats", "when", "whens", "where", "wheres", "which", "while", "who", "whos",
      "whom", "why", "whys", "with", "wont", "would", "wouldnt", "you", "youd", "youll", "youre",
      "youve", "your", "yours", "yourself", "yourselves", "will", "just", "also", "still", "yet", "now",
      "get", "got", "getting", "gets", "can", "may", "might", "must", "shall", "us", "via", "etc",
      "since", "even", "every", "one", "two", "really", "much", "many", "any", "anything", "something",
      "thing", "things", "way", "like", "know", "see", "seem", "seems", "want", "wanted", "need",
      "needs", "use", "using", "used", "make", "made", "let", "go", "going", "today", "yesterday",
      "tomorrow", "time", "day", "days", "week", "again", "back", "sure", "able", "already",
      "say", "says", "said", "tell", "told", "try", "tried", "trying", "tries", "think", "thought",
      "ask", "asked", "lot", "anyone", "someone", "everyone", "everything", "nothing",
      // Support-desk pleasantries that say nothing about the problem.
      "hi", "hello", "hey", "dear", "thanks", "thank", "thx", "please", "pls", "regards", "best",
      "cheers", "kind", "sincerely", "team", "support", "help", "hope", "asap", "urgent", "ok", "okay",
      "yes", "issue", "issues", "problem", "problems", "question", "ticket", "customer", "sir", "madam",
  };
  return kWords;
}

// Porter's stemmer over a mutable buffer; indices as in the reference code.
class Porter {
 public:
  explicit Porter(std::string& b) : b_(b), k_(static_cast<int>(b.size()) - 1) {}

  void Run() {
    if (k_ <= 1) return;  // words of one or two letters stay
    Step1ab();
    if (k_ > 0) {
      Step1c();
      Step2();
      Step3();
      Step4();
      Step5();
    }
    b_.resize(static_cast<size_t>(k_ + 1));
  }

 private:
  bool Cons(int i) const {
    switch (b_[static_cast<size_t>(i)]) {
      case 'a': case 'e': case 'i': case 'o': case 'u': return false;
      case 'y': return i == 0 ? true : !Cons(i - 1);
      default: return true;
    }
  }
  // The number of consonant sequences between 0 and j_.
  int M() const {
    int n = 0, i = 0;
    for (;;) {
      if (i > j_) return n;
      if (!Cons(i)) break;
      ++i;
    }
    ++i;
    for (;;) {
      for (;;) {
        if (i > j_) return n;
        if (Cons(i)) break;
        ++i;
      }
      ++i;
      ++n;
      for (;;) {
        if (i > j_) return n;
        if (!Cons(i)) break;
        ++i;
      }
      ++i;
    }
  }
  bool VowelInStem() const {
    for (int i = 0; i <= j_; ++i) {
      if (!Cons(i)) return true;
    }
    return false;
  }
  bool DoubleC(int j) const {
    if (j < 1) return false;
    if (b_[static_cast<size_t>(j)] != b_[static_cast<size_t>(j - 1)]) return false;
    return Cons(j);
  }
  bool Cvc(int i) const {
    if (i < 2 || !Cons(i) || Cons(i - 1) || !Cons(i - 2)) return false;
    char ch = b_[static_cast<size_t>(i)];
    return !(ch == 'w' || ch == 'x' || ch == 'y');
  }
  bool Ends(std::string_view s) {
    int len = static_cast<int>(s.size());
    if (len > k_ + 1) return false;
    if (std::string_view(b_).substr(static_cast<size_t>(k_ + 1 - len), s.size()) != s) return false;
    j_ = k_ - len;
    return true;
  }
  void SetTo(std::string_view s) {
    b_.resize(static_cast<size_t>(j_ + 1));
    b_.append(s);
    k_ = j_ + static_cast<int>(s.size());
  }
  void R(std::string_view s) {
    if (M() > 0) SetTo(s);
  }
  char At(int i) const { return b_[static_cast<size_t>(i)]; }

  void Step1ab() {
    if (At(k_) == 's') {
      if (Ends("sses")) k_ -= 2;
      else if (Ends("ies")) SetTo("i");
      else if (At(k_ - 1) != 's') --k_;
    }
    b_.resize(static_cast<size_t>(k_ + 1));
    if (Ends("eed")) {
      if (M() > 0) --k_;
    } else if ((Ends("ed") || Ends("ing")) && VowelInStem()) {
      k_ = j_;
      b_.resize(static_cast<size_t>(k_ + 1));
      if (Ends("at")) SetTo("ate");
      else if (Ends("bl")) SetTo("ble");
      else if (Ends("iz")) SetTo("ize");
      else if (DoubleC(k_)) {
        --k_;
        char ch = At(k_);
        if (ch == 'l' || ch == 's' || ch == 'z') ++k_;
      } else {
        j_ = k_;
        if (M() == 1 && Cvc(k_)) SetTo("e");
      }
    }
    b_.resize(static_cast<size_t>(k_ + 1));
  }
  void Step1c() {
    if (Ends("y") && VowelInStem()) b_[static_cast<size_t>(k_)] = 'i';
  }
  void Step2() {
    if (k_ < 1) return;
    switch (At(k_ - 1)) {
      case 'a':
        if (Ends("ational")) { R("ate"); break; }
        if (Ends("tional")) { R("tion"); break; }
        break;
      case 'c':
        if (Ends("enci")) { R("ence"); break; }
        if (Ends("anci")) { R("ance"); break; }
        break;
      case 'e':
        if (Ends("izer")) { R("ize"); break; }
        break;
      case 'l':
        if (Ends("bli")) { R("ble"); break; }
        if (Ends("alli")) { R("al"); break; }
        if (Ends("entli")) { R("ent"); break; }
        if (Ends("eli")) { R("e"); break; }
        if (Ends("ousli")) { R("ous"); break; }
        break;
      case 'o':
        if (Ends("ization")) { R("ize"); break; }
        if (Ends("ation")) { R("ate"); break; }
        if (Ends("ator")) { R("ate"); break; }
        break;
      case 's':
        if (Ends("alism")) { R("al"); break; }
        if (Ends("iveness")) { R("ive"); break; }
        if (Ends("fulness")) { R("ful"); break; }
        if (Ends("ousness")) { R("ous"); break; }
        break;
      case 't':
        if (Ends("aliti")) { R("al"); break; }
        if (Ends("iviti")) { R("ive"); break; }
        if (Ends("biliti")) { R("ble"); break; }
        break;
      case 'g':
        if (Ends("logi")) { R("log"); break; }
        break;
      default: break;
    }
  }
  void Step3() {
    switch (At(k_)) {
      case 'e':
        if (Ends("icate")) { R("ic"); break; }
        if (Ends("ative")) { R(""); break; }
        if (Ends("alize")) { R("al"); break; }
        break;
      case 'i':
        if (Ends("iciti")) { R("ic"); break; }
        break;
      case 'l':
        if (Ends("ical")) { R("ic"); break; }
        if (Ends("ful")) { R(""); break; }
        break;
      case 's':
        if (Ends("ness")) { R(""); break; }
        break;
      default: break;
    }
  }
  void Step4() {
    if (k_ < 1) return;
    switch (At(k_ - 1)) {
      case 'a': if (Ends("al")) break; return;
      case 'c': if (Ends("ance") || Ends("ence")) break; return;
      case 'e': if (Ends("er")) break; return;
      case 'i': if (Ends("ic")) break; return;
      case 'l': if (Ends("able") || Ends("ible")) break; return;
      case 'n': if (Ends("ant") || Ends("ement") || Ends("ment") || Ends("ent")) break; return;
      case 'o':
        if (Ends("ion") && j_ >= 0 && (At(j_) == 's' || At(j_) == 't')) break;
        if (Ends("ou")) break;
        return;
      case 's': if (Ends("ism")) break; return;
      case 't': if (Ends("ate") || Ends("iti")) break; return;
      case 'u': if (Ends("ous")) break; return;
      case 'v': if (Ends("ive")) break; return;
      case 'z': if (Ends("ize")) break; return;
      default: return;
    }
    if (M() > 1) {
      k_ = j_;
      b_.resize(static_cast<size_t>(k_ + 1));
    }
  }
  void Step5() {
    j_ = k_;
    if (At(k_) == 'e') {
      int a = M();
      if (a > 1 || (a == 1 && !Cvc(k_ - 1))) --k_;
    }
    if (At(k_) == 'l' && DoubleC(k_) && M() > 1) --k_;
  }

  std::string& b_;
  int k_;
  int j_ = 0;
};

bool IsGreeting(std::string_view t) { return t == "hi" || t == "hello" || t == "hey" || t == "dear"; }

bool IsClosing(std::string_view t) {
  return t == "thanks" || t == "thank" || t == "regards" || t == "cheers" || t == "best" || t == "sincerely" ||
         t == "br" || t == "thx";
}

bool LooksLikeDate(std::string_view s) {
  // 2026-11-27 or 27.11.2026: not a phone number.
  auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    }
    return true;
  };
  if (s.size() == 10 && digits(0, 4) && s[4] == '-' && digits(5, 2) && s[7] == '-' && digits(8, 2)) return true;
  if (s.size() == 10 && digits(0, 2) && s[2] == '.' && digits(3, 2) && s[5] == '.' && digits(6, 4)) return true;
  return false;
}

}  // namespace

// Tokens go into slots[0..count), reusing the strings' buffers between calls.
void TokenizeTo(std::string_view text, std::vector<std::string>& slots, size_t& count) {
  count = 0;
  auto slot = [&]() -> std::string& {
    if (count == slots.size()) slots.emplace_back();
    std::string& s = slots[count];
    s.clear();
    return s;
  };
  std::string* token = nullptr;  // the token being built, in slots[count]
  auto end_token = [&](bool boundary) {
    if (token && !token->empty()) {
      bool numeric = std::all_of(token->begin(), token->end(), [](char c) { return c >= '0' && c <= '9'; });
      if (numeric || token->size() < 2) {
        boundary = true;
      } else {
        ++count;
      }
    }
    token = nullptr;
    if (boundary && count > 0 && !slots[count - 1].empty()) {
      slot();
      ++count;
    }
  };
  auto append = [&](char c) {
    if (!token) token = &slot();
    token->push_back(c);
  };
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    while (i < n && IsSpace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < n && !IsSpace(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view word = text.substr(start, i - start);
    if (word.empty()) break;
    if (word.find('@') != std::string_view::npos || word.find("://") != std::string_view::npos) {
      end_token(true);
      continue;
    }
    for (size_t p = 0; p < word.size(); ++p) {
      auto c = static_cast<unsigned char>(word[p]);
      if (IsAsciiAlnum(c)) {
        append(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      } else if (c == '\'' && token && !token->empty() && p + 1 < word.size() &&
                 IsAsciiAlnum(static_cast<unsigned char>(word[p + 1]))) {
        // inside a word: "can't" -> "cant"
      } else if (c == 0xE2 && word.substr(p, 3) == "\xE2\x80\x99" && token && !token->empty()) {
        p += 2;  // typographic apostrophe
      } else if (c >= 0x80) {
        // UTF-8 letters stay in the token, but punctuation from the General
        // Punctuation block (dashes, quotes: E2 80 xx) ends it.
        if (c == 0xE2 && p + 1 < word.size() && static_cast<unsigned char>(word[p + 1]) == 0x80) {
          end_token(true);
          p += 2;
        } else {
          append(static_cast<char>(c));
        }
      } else {
        end_token(true);
      }
    }
    end_token(false);
  }
  end_token(false);
  while (count > 0 && slots[count - 1].empty()) --count;
}

std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> slots;
  size_t count = 0;
  TokenizeTo(text, slots, count);
  slots.resize(count);
  return slots;
}

bool IsStopWord(std::string_view word) { return StopWords().count(word) > 0; }

std::string PorterStem(std::string_view word) {
  std::string b(word);
  for (char c : b) {
    if (c < 'a' || c > 'z') return b;
  }
  Porter(b).Run();
  return b;
}

std::string MaskPersonalData(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const size_t n = text.size();
  auto is_local = [](unsigned char c) {
    return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
  };
  auto is_domain = [](unsigned char c) { return IsAsciiAlnum(c) || c == '.' || c == '-'; };
  size_t i = 0;
  while (i < n) {
    auto c = static_cast<unsigned char>(text[i]);
    // Email: back up over the local part already copied, then skip the domain.
    if (c == '@') {
      size_t local = 0;
      while (local < out.size() && is_local(static_cast<unsigned char>(out[out.size() - 1 - local]))) ++local;
      size_t end = i + 1;
      while (end < n && is_domain(static_cast<unsigned char>(text[end]))) ++end;
      while (end > i + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) --end;
      std::string_view domain = text.substr(i + 1, end - i - 1);
      if (local > 0 && domain.find('.') != std::string_view::npos) {
        out.resize(out.size() - local);
        out += "[email]";
        i = end;
        continue;
      }
    }
    // Phone: + or a digit or '(' starting a run of digits and separators.
    bool starts_word = i == 0 || !IsAsciiAlnum(static_cast<unsigned char>(text[i - 1]));
    if (starts_word && (c == '+' || c == '(' || (c >= '0' && c <= '9'))) {
      size_t end = i;
      int digits = 0;
      while (end < n) {
        auto d = static_cast<unsigned char>(text[end]);
        if (d >= '0' && d <= '9') {
          ++digits;
        } else if (d == ' ' || d == '-' || d == '.' || d == '(' || d == ')' || (d == '+' && end == i)) {
          if (d == ' ' && (end + 1 >= n || !(text[end + 1] >= '0' && text[end + 1] <= '9') ) &&
              !(end + 1 < n && text[end + 1] == '(')) {
            break;
          }
        } else {
          break;
        }
        ++end;
      }
      while (end > i && !(text[end - 1] >= '0' && text[end - 1] <= '9')) --end;
      bool ends_word = end >= n || !IsAsciiAlnum(static_cast<unsigned char>(text[end]));
      std::string_view span = text.substr(i, end - i);
      if (digits >= 7 && ends_word && !LooksLikeDate(span)) {
        out += "[phone]";
        i = end;
        continue;
      }
    }
    out.push_back(static_cast<char>(c));
    ++i;
  }
  return out;
}

std::string StripSignature(std::string_view text) {
  // The last closing word that starts a word, with at most five words after it.
  std::string lower = Lower(text);
  for (std::string_view closing : {"thanks", "thank you", "best regards", "kind regards", "regards", "cheers",
                                   "best", "sincerely", "thx"}) {
    size_t at = lower.rfind(closing);
    if (at == std::string::npos || (at > 0 && IsAsciiAlnum(static_cast<unsigned char>(lower[at - 1])))) continue;
    std::string_view rest = text.substr(at + closing.size());
    if (!rest.empty() && IsAsciiAlnum(static_cast<unsigned char>(rest[0]))) continue;
    int words = 0;
    bool in_word = false;
    for (char c : rest) {
      bool alnum = IsAsciiAlnum(static_cast<unsigned char>(c));
      if (alnum && !in_word) ++words;
      in_word = alnum;
    }
    if (words > 5) continue;
    std::string out(text.substr(0, at));
    while (!out.empty() && (IsSpace(static_cast<unsigned char>(out.back())) || out.back() == ',' ||
                            out.back() == '-')) {
      out.pop_back();
    }
    return out;
  }
  return std::string(text);
}

std::string Shorten(std::string_view text, size_t max_chars) {
  std::string flat;
  flat.reserve(std::min(text.size(), max_chars + 8));
  bool space = false;
  for (char c : text) {
    if (IsSpace(static_cast<unsigned char>(c))) {
      space = !flat.empty();
      continue;
    }
    if (space) flat.push_back(' ');
    space = false;
    flat.push_back(c);
    if (flat.size() > max_chars + 4) break;
  }
  if (flat.size() <= max_chars) return flat;
  size_t cut = max_chars;
  size_t sp = flat.rfind(' ', cut);
  if (sp != std::string::npos && sp > max_chars / 2) cut = sp;
  while (cut > 0 && (static_cast<unsigned char>(flat[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
  flat.resize(cut);
  while (!flat.empty() && (flat.back() == ' ' || flat.back() == ',' || flat.back() == '.')) flat.pop_back();
  return flat + "...";
}

const std::string& PhraseExtractor::Stem(const std::string& word) {
  auto it = stems_.find(word);
  if (it != stems_.end()) return it->second;
  return stems_.emplace(word, PorterStem(word)).first->second;
}

void PhraseExtractor::Collect(std::string_view text, bool surfaces) {
  arena_.clear();
  spans_.clear();
  surfaces_.clear();
  if (stems_.size() > 500000) stems_.clear();  // bound memory on unusual input
  TokenizeTo(text, tokens_, token_count_);
  run_.clear();
  auto flush = [&] {
    for (size_t i = 0; i < run_.size(); ++i) {
      size_t begin = arena_.size();
      std::string surface;
      for (int len = 1; len <= max_n_ && i + static_cast<size_t>(len) <= run_.size(); ++len) {
        const auto& [stem, word] = run_[i + static_cast<size_t>(len) - 1];
        // Each n-gram is the (n-1)-gram before it plus one stem: copy, extend.
        if (len > 1) {
          size_t prev = spans_.back().first, prev_len = spans_.back().second;
          begin = arena_.size();
          arena_.append(arena_, prev, prev_len);
          arena_.push_back(' ');
        }
        arena_ += *stem;
        spans_.emplace_back(begin, arena_.size() - begin);
        if (surfaces) {
          if (len > 1) surface.push_back(' ');
          surface += *word;
          surfaces_.push_back(surface);
        }
      }
    }
    run_.clear();
  };
  auto boundary_within = [&](size_t from, size_t n) {
    for (size_t k = from; k < token_count_ && k < from + n; ++k) {
      if (tokens_[k].empty()) return k;
    }
    return std::string::npos;
  };
  for (size_t i = 0; i < token_count_; ++i) {
    const std::string& t = tokens_[i];
    // "Hi Maria," - the name after a greeting is not a topic.
    if (IsGreeting(t)) {
      size_t b = boundary_within(i + 1, 4);
      if (b != std::string::npos) {
        flush();
        i = b;
        continue;
      }
    }
    // "Thanks, Maria" / "Best regards, Tom Smith" closing the text: a
    // signature, whose names are not topics either.
    if (IsClosing(t) && token_count_ - i <= 7 && boundary_within(i + 1, 2) != std::string::npos) break;
    if (t.empty() || IsStopWord(t)) {
      flush();
      continue;
    }
    run_.emplace_back(&Stem(t), &t);
  }
  flush();
}

void PhraseExtractor::Extract(std::string_view text, std::vector<Phrase>& out, bool surfaces) {
  Collect(text, surfaces);
  out.clear();
  for (size_t k = 0; k < spans_.size(); ++k) {
    out.push_back({arena_.substr(spans_[k].first, spans_[k].second), surfaces ? surfaces_[k] : std::string()});
  }
  std::sort(out.begin(), out.end(), [](const Phrase& a, const Phrase& b) { return a.key < b.key; });
  out.erase(std::unique(out.begin(), out.end(), [](const Phrase& a, const Phrase& b) { return a.key == b.key; }),
            out.end());
}

void PhraseExtractor::Keys(std::string_view text, std::vector<std::string_view>& out) {
  Collect(text, false);
  out.clear();
  for (const auto& [begin, len] : spans_) out.emplace_back(arena_.data() + begin, len);
}

double ClassTfIdf(std::int64_t in_class, std::int64_t class_size, std::int64_t in_all,
                  double mean_class_size) {
  if (class_size <= 0 || in_all <= 0) return 0.0;
  double tf = static_cast<double>(in_class) / static_cast<double>(class_size);
  return tf * std::log(1.0 + mean_class_size / static_cast<double>(in_all));
}

}  // namespace ctodesk::feedback
