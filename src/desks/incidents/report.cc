// The incident's timeline report, in Markdown and HTML from one outline.
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/markup.h"
#include "core/json_text.h"
#include "desks/incidents/procedure.h"

namespace ctodesk::incidents {

namespace {

using Json = nlohmann::ordered_json;

Json Parse(const std::string& text) {
  auto j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json::object() : j;
}

// One section: a heading, paragraphs, and an optional table.
struct Section {
  std::string heading;
  std::vector<std::string> paragraphs;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

struct Outline {
  std::string title;
  std::vector<std::string> lead;
  std::vector<Section> sections;
};

std::string Both(const std::string& utc_text, std::string_view zone) {
  auto t = ParseTime(utc_text);
  if (!t) return utc_text;
  std::string utc = FormatTimeIn(*t, "UTC");
  if (zone.empty() || zone == "UTC") return utc;
  return fmt::format("{} ({})", utc, FormatTimeIn(*t, zone));
}

std::string Str(const Json& j, const char* key) {
  if (!j.contains(key)) return "";
  const Json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return JsonText(v);
}

std::string Describe(const IncidentStep& s, const Json& d, std::string_view zone) {
  if (s.status == "failed") return "FAILED: " + Str(d, "failed_because") + Str(d, "error");
  if (s.name == "revoke") {
    return d.value("already_revoked", false)
               ? fmt::format("key {} was already revoked at {} ({})", Str(d, "key_id"),
                             Both(Str(d, "revoked_at"), zone), Str(d, "reason"))
               : fmt::format("revoked key {} of {}; {}", Str(d, "key_id"), Str(d, "holder"), Str(d, "guard"));
  }
  if (s.name == "exposure") {
    return fmt::format("exposed from {} to {} ({}); start: {}", Both(Str(d, "from"), zone), Both(Str(d, "to"), zone),
                       Str(d, "duration"), Str(d, "source"));
  }
  if (s.name == "usage") {
    return fmt::format("used while exposed: {} ({} uses: {} from known sources, {} from new sources; {} refused "
                       "attempts)",
                       Str(d, "used_while_exposed"), Str(d, "uses"), Str(d, "uses_from_known_sources"),
                       Str(d, "uses_from_new_sources"), Str(d, "refused_attempts"));
  }
  if (s.name == "rotate") {
    if (d.contains("skipped")) return "no rotation asked for";
    return fmt::format("{} key{} rotated (--rotate {})", Str(d, "rotated"), Str(d, "rotated") == "1" ? "" : "s",
                       Str(d, "scope"));
  }
  if (s.name == "scope") return fmt::format("key {} of {}, window {} to {}", Str(d, "key_id"), Str(d, "holder"),
                                            Both(Str(d, "from"), zone), Both(Str(d, "to"), zone));
  if (s.name == "objects") {
    return fmt::format("{} objects fetched in {} requests, {} of them by no other key (CSV: {})", Str(d, "objects"),
                       Str(d, "served"), Str(d, "objects_only_this_key"), Str(d, "csv"));
  }
  if (s.name == "stop") {
    return d.value("fired", false)
               ? fmt::format("the key was stopped at {} ({}: {}); {} requests refused after it",
                             Both(Str(d, "at"), zone), Str(d, "by"), Str(d, "reason"), Str(d, "refused_after_stop"))
               : "no stop (suspension) was recorded";
  }
  if (s.name == "alert") {
    std::string told;
    for (const auto& n : d.value("delivered", Json::array())) told += (told.empty() ? "" : ", ") + n.get<std::string>();
    return told.empty() ? Str(d, "note").empty() ? "nobody told" : Str(d, "note") : "told: " + told;
  }
  if (s.name == "report") return fmt::format("report written: {}", Str(d, "markdown"));
  if (s.name == "close") return "closed: " + Str(d, "summary");
  return s.detail;
}

Outline Build(const IncidentView& v, std::string_view company, std::string_view zone) {
  const IncidentRecord& i = v.incident;
  Outline o;
  o.title = fmt::format("Incident {}: {} {}", i.id, i.kind == "leaked-key" ? "leaked API key" : "data access by API key",
                        i.subject);
  std::map<std::string, Json> done;
  for (const char* kind : {"leaked-key", "data-access"}) {
    for (const std::string& name : StepsOf(kind)) done[name] = Json::object();
  }
  for (const IncidentStep& s : v.steps) {
    if (s.status != "failed") done[s.name] = Parse(s.detail);
  }
  o.lead.push_back(fmt::format("{}. Status: {}{}. Opened {} by {}.", company,
                               i.status == "open" ? "OPEN" : "closed",
                               i.status == "open" && !i.next_step.empty() ? fmt::format(" (next step: {}; run "
                                                                                        "`ctodesk incident resume {}`)",
                                                                                        i.next_step, i.id)
                                                                          : "",
                               Both(FormatTime(i.opened_at), zone), i.opened_by));
  if (i.closed_at) {
    o.lead.push_back(fmt::format("Closed {} by {}: {}", Both(FormatTime(*i.closed_at), zone), i.closed_by, i.summary));
  }
  // What happened, in a few sentences the CEO's summary can quote.
  std::string story;
  if (i.kind == "leaked-key") {
    const Json& x = done["exposure"];
    const Json& u = done["usage"];
    const Json& rv = done["revoke"];
    if (!rv.empty()) story += fmt::format("API key {} of {} was switched off at {}. ", i.subject, Str(rv, "holder"),
                                          Both(Str(rv, "revoked_at"), zone));
    if (!x.empty()) story += fmt::format("It could have been seen from {} until {}; the start is {}. ",
                                         Both(Str(x, "from"), zone), Both(Str(x, "to"), zone), Str(x, "source"));
    if (!u.empty()) {
      story += u.value("used_while_exposed", false)
                   ? fmt::format("It was used {} times while exposed: {} from the holder's usual places and {} from "
                                 "places never seen before. ",
                                 Str(u, "uses"), Str(u, "uses_from_known_sources"), Str(u, "uses_from_new_sources"))
                   : "The records show nobody used it while it was exposed. ";
    }
  } else {
    const Json& o2 = done["objects"];
    const Json& st = done["stop"];
    if (!o2.empty()) story += fmt::format("Key {} fetched {} records in {} requests (at most {} a minute); {} of them "
                                          "were fetched by no other key and are the likely exposed set. ",
                                          i.subject, Str(o2, "objects"), Str(o2, "served"), Str(o2, "peak_per_minute"),
                                          Str(o2, "objects_only_this_key"));
    if (!st.empty()) story += st.value("fired", false)
                                  ? fmt::format("The key was stopped (suspended) at {} by {}. ", Both(Str(st, "at"), zone),
                                                Str(st, "by") == "guard" || Str(st, "by") == "keys desk"
                                                    ? "the automatic stop (" + Str(st, "by") + ")"
                                                    : Str(st, "by"))
                                  : "No automatic stop fired and nobody suspended the key. ";
  }
  if (!story.empty()) o.sections.push_back({"What happened", {story}, {}, {}});

  Section timeline{"Timeline", {}, {"time (UTC)", fmt::format("time ({})", zone), "step", "by", "result"}, {}};
  for (const IncidentStep& s : v.steps) {
    timeline.rows.push_back({FormatTimeIn(s.at, "UTC"), FormatTimeIn(s.at, zone), s.name + (s.status == "done" ? "" : " (" + s.status + ")"),
                             s.actor, Describe(s, Parse(s.detail), zone)});
  }
  o.sections.push_back(std::move(timeline));

  if (const Json& u = done["usage"]; !u.empty()) {
    Section us{"Usage while exposed", {fmt::format("Window {} to {}. Known sources are IP and user agent pairs that "
                                                   "used the key before the exposure ({} of them).",
                                                   Both(Str(u, "from"), zone), Both(Str(u, "to"), zone),
                                                   Str(u, "known_sources_before_exposure"))},
               {"source", "ip", "user agent", "uses", "first", "last"}, {}};
    for (const char* kind : {"known_sources", "new_sources"}) {
      for (const auto& s : u.value(kind, Json::array())) {
        us.rows.push_back({kind == std::string("known_sources") ? "known" : "NEW", Str(s, "ip"), Str(s, "user_agent"),
                           Str(s, "uses"), Both(Str(s, "first"), zone), Both(Str(s, "last"), zone)});
      }
    }
    o.sections.push_back(std::move(us));
  }
  if (const Json& r = done["rotate"]; r.contains("who_gets_which_new_key")) {
    Section ro{"Rotations: who must receive which new key",
               {"The new keys themselves were shown once to the operator and are not in this record."},
               {"owner", "client", "old key", "new key"}, {}};
    for (const auto& x : r["who_gets_which_new_key"]) {
      ro.rows.push_back({Str(x, "owner"), Str(x, "client"), Str(x, "old_key_id"),
                         fmt::format("{} ({})", Str(x, "new_key_id"), Str(x, "new_key_hint"))});
    }
    o.sections.push_back(std::move(ro));
  }
  if (const Json& ob = done["objects"]; !ob.empty()) {
    Section s{"Objects fetched", {fmt::format("From {} to {}; {} other keys checked. Likely exposed set (fetched by no "
                                              "other key): {}.",
                                              Both(Str(ob, "first"), zone), Both(Str(ob, "last"), zone),
                                              Str(ob, "other_keys_checked"), Str(ob, "csv"))},
              {"from", "requests"}, {}};
    for (const auto& ip : ob.value("ips", Json::array())) s.rows.push_back({Str(ip, "value"), Str(ip, "requests")});
    o.sections.push_back(std::move(s));
  }
  if (const Json& st = done["stop"]; st.value("fired", false)) {
    o.sections.push_back({"The stop", {fmt::format(
        "Fired at {} by {} ({}). Before it: {} requests served in the window; after it: {} requests refused for {} "
        "objects, {} served.",
        Both(Str(st, "at"), zone), Str(st, "by"), Str(st, "reason"), Str(st, "served_before_stop"),
        Str(st, "refused_after_stop"), Str(st, "objects_refused_after_stop"), Str(st, "served_after_stop"))}, {}, {}});
  }
  std::string told = "Nobody was told by webhook yet.";
  if (const Json& a = done["alert"]; !a.empty()) told = Describe({i.id, 0, "alert", "done", {}, "", ""}, a, zone) + ".";
  o.sections.push_back({"Who was told", {told}, {}, {}});
  o.sections.push_back(
      {"Audit trail",
       {v.chain_ok ? fmt::format("The hash-chained audit trail verifies: {} entries, head {}; {} of them record this "
                                 "incident's steps.",
                                 v.chain_entries, v.chain_head.substr(0, 16), v.audit_entries_for_incident)
                   : fmt::format("The audit trail does NOT verify: {}. Treat this record with suspicion.",
                                 v.chain_problem)},
       {},
       {}});
  return o;
}

std::string Cell(std::string s) {
  for (char& c : s) {
    if (c == '|') c = '/';
    if (c == '\n') c = ' ';
  }
  return s;
}

std::string Escape(std::string_view s) { return EscapeMarkup(s); }

}  // namespace

std::string RenderMarkdown(const IncidentView& view, std::string_view company, std::string_view time_zone) {
  Outline o = Build(view, company, time_zone);
  std::string out = "# " + o.title + "\n\n";
  for (const std::string& p : o.lead) out += p + "\n\n";
  for (const Section& s : o.sections) {
    out += "## " + s.heading + "\n\n";
    for (const std::string& p : s.paragraphs) out += p + "\n\n";
    if (!s.columns.empty() && !s.rows.empty()) {
      out += "|";
      for (const std::string& c : s.columns) out += " " + Cell(c) + " |";
      out += "\n|";
      for (size_t i = 0; i < s.columns.size(); ++i) out += " --- |";
      out += "\n";
      for (const auto& row : s.rows) {
        out += "|";
        for (const std::string& c : row) out += " " + Cell(c) + " |";
        out += "\n";
      }
      out += "\n";
    }
  }
  return out;
}

std::string RenderHtml(const IncidentView& view, std::string_view company, std::string_view time_zone) {
  Outline o = Build(view, company, time_zone);
  std::string out = fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title>\n"
      "<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}"
      "table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;"
      "vertical-align:top}}th{{background:#f4f4f4}}</style></head><body>\n<h1>{0}</h1>\n",
      Escape(o.title));
  for (const std::string& p : o.lead) out += "<p>" + Escape(p) + "</p>\n";
  for (const Section& s : o.sections) {
    out += "<h2>" + Escape(s.heading) + "</h2>\n";
    for (const std::string& p : s.paragraphs) out += "<p>" + Escape(p) + "</p>\n";
    if (!s.columns.empty() && !s.rows.empty()) {
      out += "<table><tr>";
      for (const std::string& c : s.columns) out += "<th>" + Escape(c) + "</th>";
      out += "</tr>\n";
      for (const auto& row : s.rows) {
        out += "<tr>";
        for (const std::string& c : row) out += "<td>" + Escape(c) + "</td>";
        out += "</tr>\n";
      }
      out += "</table>\n";
    }
  }
  return out + "</body></html>\n";
}

}  // namespace ctodesk::incidents
