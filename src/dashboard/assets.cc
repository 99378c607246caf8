// The dashboard's static files, compiled into the binary so `ctodesk serve`
// needs nothing beside it and loads nothing from elsewhere (no CDN).
//
// Themes: light and dark follow prefers-color-scheme; the toggle stores a
// choice in localStorage and sets <html data-theme>, which wins over the
// media query. Colours meet WCAG AA contrast on their backgrounds; severity
// is always written out as text as well as coloured.
#include "dashboard/html.h"

namespace ctodesk::dashboard {

namespace {

constexpr std::string_view kCss = R"css(
:root {
  color-scheme: light;
  --bg: #f5f6f8; --fg: #17202e; --muted: #4e5868; --card: #ffffff; --line: #d6dae1; --link: #1248a8;
  --act-now: #b42318; --today: #8f4a00; --this-week: #0b5f80; --fyi: #4e5868;
  --act-now-bg: #fdecea; --today-bg: #fff4df; --this-week-bg: #e6f4fa; --fyi-bg: #eef0f3;
  --ok: #0d6b4a; --bad: #b42318; --bad-bg: #fdecea; --warn: #8f4a00;
  --up: #2f9e6e; --partial: #d08a00; --down: #c4321f; --none: #aab2bf; --spark: #1248a8;
  --focus: #1248a8;
}
:root[data-theme="dark"] {
  color-scheme: dark;
  --bg: #0f131a; --fg: #e7eaf0; --muted: #a6afbf; --card: #181d27; --line: #2f3745; --link: #8cb8ff;
  --act-now: #ff8a80; --today: #ffc266; --this-week: #6fd0f5; --fyi: #b3bccb;
  --act-now-bg: #3b1512; --today-bg: #3a2a0c; --this-week-bg: #0f2c38; --fyi-bg: #222834;
  --ok: #5fd69c; --bad: #ff8a80; --bad-bg: #3b1512; --warn: #ffc266;
  --up: #47b883; --partial: #e0a030; --down: #f06a5a; --none: #4a5365; --spark: #8cb8ff;
  --focus: #8cb8ff;
}
@media (prefers-color-scheme: dark) {
  :root:not([data-theme="light"]) {
    color-scheme: dark;
    --bg: #0f131a; --fg: #e7eaf0; --muted: #a6afbf; --card: #181d27; --line: #2f3745; --link: #8cb8ff;
    --act-now: #ff8a80; --today: #ffc266; --this-week: #6fd0f5; --fyi: #b3bccb;
    --act-now-bg: #3b1512; --today-bg: #3a2a0c; --this-week-bg: #0f2c38; --fyi-bg: #222834;
    --ok: #5fd69c; --bad: #ff8a80; --bad-bg: #3b1512; --warn: #ffc266;
    --up: #47b883; --partial: #e0a030; --down: #f06a5a; --none: #4a5365; --spark: #8cb8ff;
    --focus: #8cb8ff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
code { font-family: ui-monospace, Menlo, Consolas, "Liberation Mono", monospace; font-size: .9em; overflow-wrap: anywhere; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: 8px; }
.skip:focus { left: 8px; z-index: 10; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header.top { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 8px;
  padding: 8px 20px; background: var(--card); border-bottom: 1px solid var(--line); }
header.top ul { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 0; padding: 0; }
header.top a[aria-current="page"] { font-weight: 700; text-decoration: none; color: var(--fg); border-bottom: 3px solid var(--link); }
.who { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.who form { display: inline; }
button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--line);
  background: var(--bg); color: var(--fg); cursor: pointer; }
button:hover { border-color: var(--link); }
input, select { font: inherit; padding: 4px 6px; border-radius: 6px; border: 1px solid var(--muted);
  background: var(--card); color: var(--fg); }
main { max-width: 1100px; margin: 0 auto; padding: 20px; }
h1 { font-size: 26px; margin: 8px 0 2px; }
h2 { font-size: 18px; margin: 28px 0 10px; }
.when { color: var(--muted); margin: 0 0 12px; }
.live { margin-left: 8px; }
.flash { max-width: 1100px; margin: 12px auto 0; padding: 8px 20px; background: var(--card); border-left: 5px solid var(--ok); }
.alert { background: var(--bad-bg); color: var(--fg); border: 1px solid var(--bad); border-left-width: 6px;
  border-radius: 8px; padding: 8px 14px; margin: 0 0 12px; }
.alert strong { color: var(--bad); }
.desk-list { list-style: none; display: flex; flex-wrap: wrap; gap: 8px; padding: 0; margin: 0; }
.desk-pill { background: var(--card); border: 1px solid var(--line); border-radius: 999px; padding: 2px 12px; font-size: 14px; }
.desk-pill small { color: var(--muted); }
.desk-pill .state { font-weight: 600; color: var(--ok); }
.desk-pill.failed, .desk-pill.never-ran, .desk-pill.stale { border-color: var(--bad); border-width: 2px; }
.desk-pill.failed .state { color: var(--bad); }
.desk-pill.never-ran .state, .desk-pill.stale .state { color: var(--warn); }
.tiles { list-style: none; display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; padding: 0; margin: 16px 0; }
.tile a { display: block; background: var(--card); border-radius: 10px; border-top: 5px solid var(--sev);
  padding: 10px 14px; text-decoration: none; color: var(--fg); }
.tile .n { display: block; font-size: 32px; font-weight: 700; color: var(--sev); }
.tile .label { font-weight: 600; }
.sev-act-now { --sev: var(--act-now); --sev-bg: var(--act-now-bg); }
.sev-today { --sev: var(--today); --sev-bg: var(--today-bg); }
.sev-this-week { --sev: var(--this-week); --sev-bg: var(--this-week-bg); }
.sev-fyi { --sev: var(--fyi); --sev-bg: var(--fyi-bg); }
.filters { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: flex-end; background: var(--card);
  padding: 12px 14px; border-radius: 10px; border: 1px solid var(--line); }
.field { display: flex; flex-direction: column; gap: 2px; }
.field.grow { flex: 1 1 200px; }
.field.check { flex-direction: row; align-items: center; gap: 6px; }
.field.buttons { flex-direction: row; align-items: center; gap: 10px; }
label { font-size: 13px; font-weight: 600; }
.updates { margin: 12px 0; padding: 8px 14px; background: var(--this-week-bg); border-radius: 8px; }
.group-h { font-size: 15px; text-transform: uppercase; letter-spacing: .05em; color: var(--sev); margin: 18px 0 8px; }
.finding { background: var(--card); border-radius: 8px; border-left: 6px solid var(--sev); padding: 10px 14px; margin: 0 0 10px; }
.finding.gone { opacity: .6; }
.finding.gone h3 { text-decoration: line-through; }
.finding-head { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: baseline; }
.finding h3 { font-size: 16px; margin: 0; flex: 1 1 300px; overflow-wrap: anywhere; }
.sev-badge { font-size: 12px; font-weight: 700; text-transform: uppercase; background: var(--sev-bg); color: var(--sev);
  border: 1px solid var(--sev); border-radius: 999px; padding: 0 8px; }
.running { font-size: 13px; color: var(--muted); }
.meta { font-size: 13px; color: var(--muted); margin: 4px 0 0; }
.detail { margin: 6px 0 0; white-space: pre-line; overflow-wrap: anywhere; }
.action { margin: 6px 0 0; padding: 6px 10px; background: var(--sev-bg); border-radius: 6px; overflow-wrap: anywhere; }
.ack { margin: 6px 0 0; font-weight: 600; color: var(--ok); }
details { margin: 6px 0 0; }
details summary { cursor: pointer; color: var(--link); }
details dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font-size: 13px; }
details dd { margin: 0; overflow-wrap: anywhere; }
.act form { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-top: 6px; }
.clear { background: var(--card); padding: 14px; border-radius: 8px; border-left: 6px solid var(--ok); font-weight: 600; }
.resolved { list-style: none; padding: 0; background: var(--card); border-radius: 8px; }
.resolved li { padding: 6px 12px; border-top: 1px solid var(--line); }
.resolved small { color: var(--muted); display: block; }
.pager { margin: 10px 0; }
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; background: var(--card); font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-top: 1px solid var(--line); vertical-align: middle; }
thead th { font-size: 12px; text-transform: uppercase; color: var(--muted); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.detail { max-width: 380px; }
tr.failing th { border-left: 5px solid var(--bad); }
.flag { font-size: 12px; font-weight: 700; color: var(--bad); }
.status-active, .status-grace { color: var(--ok); font-weight: 600; }
.status-suspended, .status-revoked, .status-expired { color: var(--bad); font-weight: 600; }
form.inline { display: inline-flex; gap: 4px; align-items: center; margin: 2px 0; }
.strip .up { fill: var(--up); }
.strip .partial { fill: var(--partial); }
.strip .down { fill: var(--down); }
.strip .none { fill: var(--none); }
.spark polyline { fill: none; stroke: var(--spark); stroke-width: 1.5; }
.muted { color: var(--muted); }
.login { max-width: 360px; display: flex; flex-direction: column; gap: 10px; }
footer { max-width: 1100px; margin: 0 auto; padding: 10px 20px 30px; color: var(--muted); font-size: 13px; }
@media (max-width: 700px) { .tiles { grid-template-columns: repeat(2, 1fr); } }
@media print { header.top, .filters, .act, .updates, form { display: none; } }
)css";

// Theme toggle, live refresh every 30 s and "/" to search. Refreshing never
// moves rows under the reader: rows that changed are updated in place, rows
// that went away are struck through, and new findings wait behind a button.
constexpr std::string_view kJs = R"js(
(function () {
  'use strict';
  var KEY = 'ctodesk-theme';
  var root = document.documentElement;
  function stored() { try { return localStorage.getItem(KEY) || 'system'; } catch (e) { return 'system'; } }
  function apply(choice) {
    if (choice === 'light' || choice === 'dark') root.setAttribute('data-theme', choice);
    else root.removeAttribute('data-theme');
  }
  apply(stored());

  function ready() {
    var toggle = document.getElementById('theme-toggle');
    if (toggle) {
      var label = function () { toggle.textContent = 'Theme: ' + stored(); };
      label();
      toggle.addEventListener('click', function () {
        var next = { system: 'light', light: 'dark', dark: 'system' }[stored()] || 'system';
        try { localStorage.setItem(KEY, next); } catch (e) { }
        apply(next);
        label();
      });
    }
    document.addEventListener('keydown', function (e) {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      var t = e.target;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      var q = document.getElementById('filter-q');
      if (q) { e.preventDefault(); q.focus(); }
    });
    var main = document.getElementById('main');
    var every = main && parseInt(main.getAttribute('data-refresh') || '0', 10);
    if (every > 0) setInterval(refresh, every * 1000);
    var show = document.getElementById('show-updates');
    if (show) show.addEventListener('click', function () { location.reload(); });
  }

  function replaceSection(doc, id) {
    var fresh = doc.getElementById(id), old = document.getElementById(id);
    if (!fresh || !old || old.contains(document.activeElement)) return;
    if (old.innerHTML !== fresh.innerHTML) old.innerHTML = fresh.innerHTML;
  }

  function refresh() {
    fetch(location.href, { headers: { 'X-Ctodesk-Refresh': '1' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        replaceSection(doc, 'freshness');
        replaceSection(doc, 'counts');
        replaceSection(doc, 'resolved');
        var fresh = {}, added = 0;
        doc.querySelectorAll('#findings [data-id]').forEach(function (row) { fresh[row.getAttribute('data-id')] = row; });
        var seen = {};
        document.querySelectorAll('#findings [data-id]').forEach(function (row) {
          var id = row.getAttribute('data-id');
          seen[id] = true;
          var next = fresh[id];
          if (!next) {
            if (!row.classList.contains('gone')) {
              row.classList.add('gone');
              var h = row.querySelector('h3');
              if (h) h.insertAdjacentText('beforeend', ' (no longer open)');
            }
          } else if (!row.contains(document.activeElement) && row.innerHTML !== next.innerHTML) {
            row.innerHTML = next.innerHTML;
          }
        });
        Object.keys(fresh).forEach(function (id) { if (!seen[id]) added++; });
        var box = document.getElementById('updates');
        if (box && added > 0) {
          document.getElementById('updates-text').textContent =
            added + (added === 1 ? ' new finding.' : ' new findings.');
          box.hidden = false;
        }
        var status = document.getElementById('live-status');
        if (status) status.textContent = ' · updated ' + new Date().toLocaleTimeString();
      })
      .catch(function () {
        var status = document.getElementById('live-status');
        if (status) status.textContent = ' · could not refresh; retrying in 30 s';
      });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
)js";

constexpr std::string_view kIcon =
    R"svg(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1248a8"/><path d="M4 8h8M4 5h8M4 11h5" stroke="#fff" stroke-width="1.6"/></svg>)svg";

}  // namespace

std::string_view StyleSheet() { return kCss; }
std::string_view Script() { return kJs; }
std::string_view IconSvg() { return kIcon; }

}  // namespace ctodesk::dashboard
