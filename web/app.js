// The dashboard's only script, compiled into ctodesk by cmake/embed.cmake.
// Theme toggle, live refresh and "/" to search. Refreshing never moves rows
// under the reader: rows that changed are updated in place, rows that went
// away are struck through, and new findings wait behind a button.
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
