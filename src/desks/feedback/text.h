// Text processing for the feedback desk, all local, no external service:
// tokenizing, English stop words, the Porter stemmer (M. F. Porter, "An
// algorithm for suffix stripping", 1980), key phrases as 1- to 3-grams of
// stems that never cross a stop word or punctuation, masking of personal data
// (emails, phone numbers) in quotes, and the class-based TF-IDF score used to
// rank phrases of one week against the weeks before it.
//
// Free functions are pure and thread-safe; a PhraseExtractor caches stems
// and is not thread-safe (use one per thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ctodesk::feedback {

// Lowercase word tokens of `text`, in order. A token is a run of ASCII letters
// and digits or non-ASCII (UTF-8) bytes; apostrophes inside a word are dropped
// ("can't" -> "cant"). Words containing '@' or "://" (emails, URLs) are
// skipped, and an empty token marks each boundary that phrases must not
// cross (punctuation, a skipped word, a number).
std::vector<std::string> Tokenize(std::string_view text);

bool IsStopWord(std::string_view word);

// The Porter stem of a lowercase ASCII word; other words come back unchanged.
std::string PorterStem(std::string_view word);

// "[email]" for email addresses and "[phone]" for runs of 7 or more digits
// written as a phone number (spaces, dashes, dots, parentheses, a leading +).
std::string MaskPersonalData(std::string_view text);

// `text` without a closing signature ("Thanks, Maria", "Best regards, Tom
// Smith") at its end, so quotes do not carry people's names.
std::string StripSignature(std::string_view text);

// Shortens to at most `max_chars` bytes at a word boundary, adding "...", and
// never splits a UTF-8 character.
std::string Shorten(std::string_view text, size_t max_chars);

struct Phrase {
  std::string key;      // stems joined by ' ': "export csv"
  std::string surface;  // the words as written, lowercase: "exporting csv"
};

// Greetings ("Hi Maria,") and a closing signature ("Thanks, Tom") are left
// out, so people's names do not become phrases.
class PhraseExtractor {
 public:
  explicit PhraseExtractor(int max_n = 3) : max_n_(max_n) {}
  // The distinct phrases of `text` (each once, in first-seen order).
  // `surfaces` false leaves Phrase::surface empty, which is faster.
  void Extract(std::string_view text, std::vector<Phrase>& out, bool surfaces = true);
  // Every phrase occurrence of `text` (repeats included, any order), as views
  // valid until the next call. The fast path for bulk extraction.
  void Keys(std::string_view text, std::vector<std::string_view>& out);

 private:
  void Collect(std::string_view text, bool surfaces);
  const std::string& Stem(const std::string& word);
  int max_n_;
  std::unordered_map<std::string, std::string> stems_;
  // Buffers reused between calls.
  std::vector<std::string> tokens_;
  size_t token_count_ = 0;
  std::vector<std::pair<const std::string*, const std::string*>> run_;  // stem, word
  std::string arena_;                              // phrase keys, back to back
  std::vector<std::pair<size_t, size_t>> spans_;   // offset, length in arena_
  std::vector<std::string> surfaces_;
};

// Class-based TF-IDF (as in BERTopic): how characteristic a phrase is of one
// class (here: a week of tickets) against all classes. `in_class` tickets of
// `class_size` contain it, `in_all` tickets of all classes do, and classes
// hold `mean_class_size` tickets on average.
double ClassTfIdf(std::int64_t in_class, std::int64_t class_size, std::int64_t in_all,
                  double mean_class_size);

}  // namespace ctodesk::feedback
