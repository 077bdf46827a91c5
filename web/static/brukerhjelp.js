// Brukerhjelp's own script: every page works without it. It moves focus
// to a form's error summary, and follows live updates (server-sent events
// from /live) into the page's aria-live region.
(function () {
  'use strict';

  function ready(fn) {
    if (document.readyState !== 'loading') {
      fn();
    } else {
      document.addEventListener('DOMContentLoaded', fn);
    }
  }

  // The region is emptied first, so the same words twice are read twice.
  function announce(text) {
    var region = document.getElementById('live-region');
    if (!region || !text) {
      return;
    }
    region.textContent = '';
    window.setTimeout(function () {
      region.textContent = text;
    }, 100);
  }

  function follow(src) {
    var source = new window.EventSource(src);
    source.addEventListener('change', function (e) {
      var change;
      try {
        change = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      if (change.text) {
        announce(change.text);
      }
      // Pages that refresh a part of themselves listen for this.
      document.dispatchEvent(new window.CustomEvent('brukerhjelp:change', { detail: change }));
    });
    // Changes were missed (the page fell behind): it may be stale.
    source.addEventListener('resync', function (e) {
      var data = {};
      try {
        data = JSON.parse(e.data);
      } catch (err) {}
      announce(data.text);
      document.dispatchEvent(new window.CustomEvent('brukerhjelp:resync'));
    });
    // The session ended: stop asking.
    source.addEventListener('ended', function () {
      source.close();
    });
  }

  ready(function () {
    var summary = document.querySelector('[data-error-summary]');
    if (summary) {
      summary.focus();
    }
    var live = document.querySelector('[data-live-src]');
    if (live && window.EventSource) {
      follow(live.getAttribute('data-live-src'));
    }
  });
})();
