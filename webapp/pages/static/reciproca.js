/* Reciproca's pages, enhanced: forms answer in place, and a group's pages (the record, the
   figures, the meeting screen) follow it live.
   Without this script every form still works (POST, then the page again). Focus never moves,
   and nothing a person is typing is ever replaced: updates insert entries, change numbers, or
   draw a figures region (which holds no field) again. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  var announcer = document.getElementById("announcer");

  function announce(sentences) {
    if (!announcer || !sentences.length) return;
    var p = document.createElement("p");
    p.textContent = sentences.slice(-3).join(" ");
    announcer.appendChild(p);
    while (announcer.childNodes.length > 3) announcer.removeChild(announcer.firstChild);
  }

  function fromHTML(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  /* Forms: send with fetch, show errors beside their fields, announce success. */
  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function showErrors(form, errors) {
    Object.keys(errors).forEach(function (field) {
      var target = form.querySelector('[data-error-for="' + field + '"]') ||
                   form.querySelector('[data-error-for="_"]');
      if (target) target.textContent = errors[field].join(" ");
      var input = form.querySelector('[name="' + field.split(".").pop() + '"]');
      if (input) input.setAttribute("aria-invalid", "true");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("js-live-form") || !window.fetch) return;
    event.preventDefault();
    if (form.dataset.busy) return;  /* one send at a time; buttons stay focusable (no focus loss) */
    form.dataset.busy = "yes";
    form.setAttribute("aria-busy", "true");
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                         headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        clearErrors(form);
        if (body.ok) {
          announce([body.message]);
          if (form.dataset.reset === "yes") form.reset();
          else form.querySelectorAll("textarea").forEach(function (t) { t.value = ""; });
          refresh();
        } else {
          showErrors(form, body.errors || { _: ["?"] });
        }
      })
      .catch(function () { delete form.dataset.busy; form.submit(); })
      .then(function () { delete form.dataset.busy; form.removeAttribute("aria-busy"); });
  });

  /* Audit slider: show the position while moving, load it when let go. */
  var slider = document.getElementById("at");
  if (slider) {
    var output = document.getElementById("at-output");
    slider.addEventListener("input", function () { output.textContent = slider.value; });
    slider.addEventListener("change", function () { slider.form.submit(); });
  }

  /* Live: follow the group's record over the websocket; on any news, ask the page's own
     server for what changed after the last position shown (the group and meeting pages), or
     for the figures region drawn again (the power, principles and level pages). */
  if (!main || !main.dataset.group) return;
  var position = parseInt(main.dataset.position || "0", 10);
  var heard = position;  /* the latest position the socket named */
  var liveUrl = main.dataset.liveUrl, figuresUrl = main.dataset.figuresUrl;
  var notice = document.getElementById("live-status");
  var busy = false, again = false, socket = null, retry = 1000, poller = null;
  var everOpen = false, failures = 0;

  function known() {
    return Array.prototype.map.call(document.querySelectorAll("[data-proposal]"),
                                    function (el) { return el.dataset.proposal; }).join(",");
  }

  function apply(change) {
    var record = document.getElementById("record");
    if (record) {
      change.entries.forEach(function (html) {
        var item = fromHTML(html);
        if (document.getElementById(item.id)) return;
        item.classList.add("fresh");
        record.insertBefore(item, record.firstChild);
      });
    }
    Object.keys(change.proposals).forEach(function (id) {
      var p = change.proposals[id];
      document.querySelectorAll('[data-tally="' + id + '"] [data-count]').forEach(function (dd) {
        var value = String(p.tally[dd.dataset.count]);
        if (dd.textContent !== value) dd.textContent = value;
      });
      document.querySelectorAll('[data-turnout="' + id + '"]').forEach(function (el) {
        if (el.textContent !== p.turnout) el.textContent = p.turnout;
      });
      document.querySelectorAll('[data-mine="' + id + '"]').forEach(function (el) {
        if (el.textContent !== p.mine) el.textContent = p.mine;
      });
      if (p.status !== "open") {
        document.querySelectorAll('[data-status="' + id + '"]').forEach(function (el) {
          el.textContent = p.outcome; el.hidden = false;
        });
        document.querySelectorAll('#proposal-' + id + ' form').forEach(function (form) {
          if (!form.contains(document.activeElement)) form.hidden = true;
        });
      }
    });
    var open = document.getElementById("open-proposals");
    if (open) {
      change.cards.forEach(function (html) {
        var card = fromHTML(html);
        if (document.getElementById(card.id)) return;
        var empty = open.querySelector(".empty");
        if (empty) empty.remove();
        open.insertBefore(card, open.firstChild);
      });
    }
    announce(change.announce);
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); });
  }

  function changes() {
    return getJSON(liveUrl + "?since=" + position + "&known=" + encodeURIComponent(known()))
      .then(function (change) {
        if (change.position > position) position = change.position;
        apply(change);
        if (change.entries.length) return onScreen();
      });
  }

  /* Meeting screen: while no proposal is on it, put the one just opened there (and the
     note-taker's panel for it); a proposal already on the screen stays until someone moves on. */
  var screen = document.getElementById("meeting-current");

  function onScreen() {
    if (!screen || screen.dataset.current) return;
    return getJSON(screen.dataset.meetingUrl).then(function (now) {
      if (!now.id || screen.dataset.current) return;
      screen.innerHTML = now.html;
      document.getElementById("meeting-notes").innerHTML = now.notes;
      screen.dataset.current = now.id;
      announce([now.announce]);
    });
  }

  /* Figures pages: the region drawn again by the server; swapped in only when it differs from
     what is shown, keeping focus on the same element and open details open. */
  var figuresBox = document.getElementById("figures");
  var shownFigures = figuresBox && figuresBox.innerHTML.trim();

  function pathOf(el) {  /* the nearest element with an id, then child indexes down to el */
    var steps = [];
    while (el !== figuresBox && !el.id) {
      steps.unshift(Array.prototype.indexOf.call(el.parentNode.children, el));
      el = el.parentNode;
    }
    return [el === figuresBox ? "" : el.id, steps];
  }

  function atPath(path) {
    var el = path[0] ? document.getElementById(path[0]) : figuresBox;
    for (var i = 0; el && i < path[1].length; i++) el = el.children[path[1][i]];
    return el && figuresBox.contains(el) ? el : null;
  }

  function figures() {
    return getJSON(figuresUrl + "?after=" + heard).then(function (region) {
      if (region.position > position) position = region.position;
      var fresh = document.createElement("template");
      fresh.innerHTML = region.html;
      var html = fresh.innerHTML.trim();
      if (!figuresBox || html === shownFigures) return;
      var active = document.activeElement;
      var focused = active && active !== figuresBox && figuresBox.contains(active) ? pathOf(active) : null;
      var opened = Array.prototype.map.call(figuresBox.querySelectorAll("details[open]"), pathOf);
      figuresBox.innerHTML = html;
      shownFigures = html;
      opened.forEach(function (path) { var d = atPath(path); if (d && d.tagName === "DETAILS") d.open = true; });
      if (focused) {
        var target = atPath(focused);
        if (!target || target.tabIndex < 0 && !target.hasAttribute("tabindex")) {
          target = figuresBox;
          figuresBox.setAttribute("tabindex", "-1");
        }
        target.focus({ preventScroll: true });
      }
      announce([region.announce]);
    });
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    (figuresUrl ? figures() : changes())
      .catch(function () { /* the next event or reconnection catches up */ })
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + location.host + "/ws/groups/" + main.dataset.group +
                             "?since=" + position);
    } catch (e) { return lost(); }
    socket.onopen = function () {
      retry = 1000; everOpen = true; failures = 0;
      main.dataset.live = "open";
      if (notice) notice.hidden = true;
      if (poller) { clearInterval(poller); poller = null; }
      refresh();
    };
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.type !== "event" && data.type !== "figures") return;
      if (data.position > heard) heard = data.position;
      refresh();
    };
    socket.onclose = lost;
  }

  function lost() {
    socket = null;
    main.dataset.live = "closed";
    failures += 1;
    /* calm: a first failed attempt is not news; a dropped connection or repeated failures are */
    if (notice && (everOpen || failures >= 3)) notice.hidden = false;
    if (!poller) poller = setInterval(refresh, 4000);  /* keep up meanwhile, by position */
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 30000);
  }

  connect();
})();
