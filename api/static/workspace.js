// Mosaic analyst workspace. Holds no data of its own: every panel calls the API with the
// signed-in token and purpose (kept in this tab's sessionStorage only, sent only in the
// Authorization and X-Purpose headers, never in a URL), so the access policy and the audit
// log apply exactly as to any other client. Text from records is only ever set with
// textContent, never parsed as HTML. Signing out (or a token that stops working) wipes
// every answer from the page, and an answer that arrives afterwards is dropped: what was
// shown to one caller is never left for the next. Handling conditions are shown with
// each item that carries them.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var session = {
    token: sessionStorage.getItem("mosaic.token"),
    purpose: sessionStorage.getItem("mosaic.purpose"),
    me: null,
    epoch: 0, // bumped at sign-out: answers to an earlier session are dropped
  };
  var current = { person: null, expand: [] };

  function headers(extra) {
    var h = { Authorization: "Bearer " + session.token, "X-Purpose": session.purpose };
    return Object.assign(h, extra || {});
  }

  function call(path, options) {
    options = options || {};
    options.headers = headers(options.headers);
    var epoch = session.epoch;
    return fetch(path, options).then(function (r) {
      // Signed out meanwhile: this answer was for someone else; never settle.
      if (epoch !== session.epoch) return new Promise(function () {});
      if (r.status === 401) { signOut("Your session is no longer valid: sign in again."); }
      return r;
    });
  }

  function detail(r) {
    return r.json().then(
      function (b) {
        var d = b && b.detail;
        return typeof d === "string" ? d : JSON.stringify(d || b);
      },
      function () { return r.statusText; }
    );
  }

  function fail(where, r) {
    return detail(r).then(function (text) {
      where.textContent = r.status === 403 ? "Not available for your role: " + text : text;
    });
  }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function row(cells) {
    var tr = el("tr");
    cells.forEach(function (c) {
      var td = el("td");
      if (c instanceof Node) td.appendChild(c); else td.textContent = c == null ? "" : String(c);
      tr.appendChild(td);
    });
    return tr;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // Handling conditions travel with each item (a record's, or those of the reports behind
  // a link): shown beside it, as text.
  function conditionsOf(edges) {
    var found = [];
    function add(c) { if (c && found.indexOf(c) < 0) found.push(c); }
    edges.forEach(function (e) {
      add(e.marking && e.marking.handling_conditions);
      ((e.provenance && e.provenance.supports) || []).forEach(function (s) {
        add(s.grading && s.grading.handling_conditions);
      });
    });
    return found;
  }

  function conditions(list) {
    list = list.filter(function (c) { return c; });
    if (!list.length) return null;
    return el("span", " handling conditions: " + list.join("; "), { class: "conditions" });
  }

  function withConditions(node, list) {
    var c = conditions(list);
    if (c) node.appendChild(c);
    return node;
  }
  // -- sign in -------------------------------------------------------------------------
  // Everything a caller was shown, and every field that names a person they looked at.
  function wipe() {
    current.person = null;
    current.expand = [];
    ["search-results", "paths-results", "timeline-rows", "management", "risk-findings",
      "chis-rows"].forEach(function (id) { clear($(id)); });
    ["chart-status", "risk-score", "chis-status", "review-source", "review-result",
      "app-error"].forEach(function (id) { $(id).textContent = ""; });
    $("chart-status").removeAttribute("data-nodes");
    $("chart-status").removeAttribute("data-edges");
    document.querySelectorAll(".current-person").forEach(function (n) { n.textContent = ""; });
    document.querySelectorAll("main form").forEach(function (f) { f.reset(); });
    $("review-form").hidden = true;
    $("review-form").removeAttribute("data-source");
    var frame = $("chart-frame");
    frame.onload = null;
    frame.removeAttribute("srcdoc");
    show("search");
  }

  function signOut(message) {
    sessionStorage.removeItem("mosaic.token");
    sessionStorage.removeItem("mosaic.purpose");
    session.token = session.purpose = session.me = null;
    session.epoch += 1;
    wipe();
    $("app").hidden = true;
    $("sign-in-panel").hidden = false;
    $("sign-out").hidden = true;
    $("who").textContent = "";
    $("sign-in-error").textContent = message || "";
  }

  function start() {
    call("/me").then(function (r) {
      if (!r.ok) return;
      r.json().then(function (me) {
        session.me = me;
        $("who").textContent = me.name + " (" + me.role + "), purpose: " + session.purpose;
        $("sign-in-panel").hidden = true;
        $("app").hidden = false;
        $("sign-out").hidden = false;
        $("chis-tab").hidden = me.permissions.indexOf("chis:review") < 0;
      });
    });
  }

  $("sign-in").addEventListener("submit", function (e) {
    e.preventDefault();
    session.token = $("token").value.trim();
    session.purpose = $("purpose").value;
    sessionStorage.setItem("mosaic.token", session.token);
    sessionStorage.setItem("mosaic.purpose", session.purpose);
    $("token").value = "";
    $("sign-in-error").textContent = "";
    start();
  });
  $("sign-out").addEventListener("click", function () { signOut(""); });

  // -- tabs ----------------------------------------------------------------------------
  function show(tab) {
    document.querySelectorAll("nav button").forEach(function (b) {
      b.classList.toggle("active", b.getAttribute("data-tab") === tab);
    });
    document.querySelectorAll("[data-panel]").forEach(function (p) {
      p.hidden = p.getAttribute("data-panel") !== tab;
    });
    $("app-error").textContent = "";
    if (tab === "timeline") loadTimeline();
    if (tab === "risk") loadRisk();
    if (tab === "chis") loadQueue();
  }
  document.querySelectorAll("nav button").forEach(function (b) {
    b.addEventListener("click", function () { show(b.getAttribute("data-tab")); });
  });

  function choose(personId) {
    current.person = personId;
    current.expand = [];
    $("chart-person").value = personId;
    $("path-from").value = personId;
    document.querySelectorAll(".current-person").forEach(function (n) {
      n.textContent = personId;
    });
  }

  // -- search --------------------------------------------------------------------------
  $("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = $("search-q").value.trim();
    call("/persons?q=" + encodeURIComponent(q)).then(function (r) {
      var list = $("search-results");
      clear(list);
      if (!r.ok) return fail($("app-error"), r);
      return r.json().then(function (body) {
        if (!body.items.length) list.appendChild(el("li", "No one you may see matches."));
        body.items.forEach(function (hit) {
          var li = el("li");
          var open = el("button", "Open chart", { "data-person": hit.id });
          open.addEventListener("click", function () {
            choose(hit.id);
            show("chart");
            loadChart();
          });
          li.appendChild(open);
          var born = hit.dob ? ", born " + hit.dob : "";
          var nominal = hit.nominal_type ? " [" + hit.nominal_type + "]" : "";
          li.appendChild(el("span", " " + hit.id + ": " + hit.names + born + nominal));
          list.appendChild(withConditions(li, [hit.handling_conditions]));
        });
      });
    });
  });

  // -- chart ---------------------------------------------------------------------------
  function chartQuery() {
    var p = new URLSearchParams();
    p.set("depth", $("chart-depth").value);
    if ($("chart-grade").value) p.set("min_grade", $("chart-grade").value.slice(0, 2));
    if ($("chart-type").value) p.append("types", $("chart-type").value);
    if ($("chart-since").value) p.set("since", $("chart-since").value);
    if ($("chart-hubs").checked) p.set("include_hubs", "true");
    current.expand.forEach(function (id) { p.append("expand", id); });
    return p.toString();
  }

  function loadChart() {
    var person = $("chart-person").value.trim();
    if (!person) return;
    if (person !== current.person) choose(person);
    $("chart-status").textContent = "Loading...";
    var path = "/charts/persons/" + encodeURIComponent(person) + "?" + chartQuery();
    call(path).then(function (r) {
      if (!r.ok) {
        $("chart-status").textContent = "";
        return fail($("chart-status"), r);
      }
      return r.text().then(function (html) {
        var frame = $("chart-frame");
        frame.onload = function () {
          var doc = frame.contentDocument;
          var nodes = doc.getElementById("node-count").textContent;
          var links = doc.getElementById("edge-count").textContent;
          var left = doc.getElementById("left-out");
          $("chart-status").textContent = "Chart of " + person + ": " + nodes + " nodes, " +
            links + " links" + (left ? " (" + left.textContent + " more over the cap)" : "") +
            (current.expand.length ? "; expanded: " + current.expand.join(", ") : "");
          $("chart-status").setAttribute("data-nodes", nodes);
          $("chart-status").setAttribute("data-edges", links);
        };
        frame.srcdoc = html;
      });
    });
  }
  window.mosaicExpand = function (nodeId) {
    if (current.expand.indexOf(nodeId) < 0) current.expand.push(nodeId);
    loadChart();
  };
  $("chart-form").addEventListener("submit", function (e) { e.preventDefault(); loadChart(); });
  $("expand-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var id = $("expand-id").value.trim();
    if (id) window.mosaicExpand(id);
  });

  // -- paths ---------------------------------------------------------------------------
  $("paths-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var p = new URLSearchParams({
      from: $("path-from").value.trim(), to: $("path-to").value.trim(),
      max_len: $("path-max").value,
    });
    call("/paths?" + p.toString()).then(function (r) {
      var list = $("paths-results");
      clear(list);
      if (!r.ok) return fail($("app-error"), r);
      return r.json().then(function (body) {
        if (!body.paths.length) list.appendChild(el("li", "No path you may see."));
        body.paths.forEach(function (path) {
          var text = path.map(function (e) {
            var kind = (e.association_type || e.kind).toLowerCase();
            return e.src + " -[" + kind + "]- " + e.dst;
          }).join(", ");
          list.appendChild(withConditions(el("li", text), conditionsOf(path)));
        });
      });
    });
  });

  // -- timeline and risk ---------------------------------------------------------------
  function needPerson() {
    if (current.person) return true;
    $("app-error").textContent = "Search for a person and open their chart first.";
    return false;
  }

  function loadManagement() {
    var box = $("management");
    clear(box);
    call("/persons/" + encodeURIComponent(current.person) + "/management").then(function (r) {
      if (!r.ok) return fail(box, r);
      return r.json().then(function (m) {
        var facts = [];
        if (m.mappa_eligible) {
          facts.push("MAPPA category " + m.mappa_category +
            (m.mappa_level ? ", level " + m.mappa_level : ""));
        }
        if (m.on_licence) {
          facts.push("ON LICENCE until " + m.licence_end_on +
            (m.licence_conditions.length ? ": " + m.licence_conditions.join("; ") : ""));
        }
        if (m.probation_offender_manager) {
          facts.push("probation offender manager: " + m.probation_offender_manager);
        }
        if (m.visor_offender_manager) facts.push("ViSOR offender manager: " + m.visor_offender_manager);
        if (m.in_custody) facts.push("IN CUSTODY");
        if (m.risk_level) facts.push("risk level: " + m.risk_level);
        box.appendChild(el("strong", facts.length ? facts.join(" | ") : "Not managed under MAPPA"));
        if (m.recent_changes.length) {
          var list = el("ul");
          m.recent_changes.forEach(function (c) {
            list.appendChild(el("li", c.occurred_on + ": " + c.summary));
          });
          box.appendChild(el("p", "What changed lately:"));
          box.appendChild(list);
        }
      });
    });
  }

  function loadTimeline() {
    if (!needPerson()) return;
    loadManagement();
    call("/persons/" + encodeURIComponent(current.person) + "/timeline").then(function (r) {
      var rows = $("timeline-rows");
      clear(rows);
      if (!r.ok) return fail($("app-error"), r);
      return r.json().then(function (body) {
        body.events.forEach(function (ev) {
          rows.appendChild(row([
            ev.when || "undated", ev.kind, ev.node_id, ev.summary, ev.handling_conditions,
          ]));
        });
      });
    });
  }

  function loadRisk() {
    if (!needPerson()) return;
    call("/persons/" + encodeURIComponent(current.person) + "/risk").then(function (r) {
      var list = $("risk-findings");
      clear(list);
      $("risk-score").textContent = "";
      if (!r.ok) return fail($("app-error"), r);
      return r.json().then(function (body) {
        $("risk-score").textContent = "score " + body.score;
        if (!body.findings.length) list.appendChild(el("li", "Nothing raises this risk."));
        // Scored findings, then those shown but never counted: resting on E-graded material
        // only, or through a record that may be this person (a name-only mention).
        [
          [body.findings, null, ""],
          [body.not_raising, "not counted: E-graded only", "not-raising"],
          [body.possible || [], "not counted: possible match, not confirmed", "possible"],
        ].forEach(function (group) {
          group[0].forEach(function (f) {
            var weight = group[1] === null ? "+" + f.weight : group[1];
            var item = el("li", f.rule + " (" + f.question + ", " + weight + "): " + f.reason +
              " [" + f.evidence.map(function (e) { return e.id; }).join(", ") + "]");
            if (group[2]) item.className = group[2];
            list.appendChild(withConditions(item, conditionsOf(f.evidence)));
          });
        });
      });
    });
  }

  // -- CHIS queue (FIB reviewers) ------------------------------------------------------
  function loadQueue() {
    call("/chis/candidates?limit=200").then(function (r) {
      var rows = $("chis-rows");
      clear(rows);
      $("chis-status").textContent = "";
      if (!r.ok) return fail($("chis-status"), r);
      return r.json().then(function (body) {
        $("chis-status").textContent = body.items.length + " candidates awaiting review";
        body.items.forEach(function (c) {
          var review = el("button", "Review", { "data-source": c.source_id });
          review.addEventListener("click", function () { openReview(c.source_id); });
          rows.appendChild(row([
            c.source_id, c.person_id, c.score,
            c.indicators.map(function (i) { return i.indicator; }).join(", "),
            c.contacts, c.drift_days === null ? "" : c.drift_days + " days",
            c.case.status, review,
          ]));
        });
      });
    });
  }

  function openReview(sourceId) {
    $("review-form").hidden = false;
    $("review-form").setAttribute("data-source", sourceId);
    $("review-source").textContent = sourceId;
    $("review-result").textContent = "";
  }

  $("review-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var sourceId = $("review-form").getAttribute("data-source");
    var body = { outcome: $("review-outcome").value, rationale: $("review-rationale").value };
    if ($("review-measures").value) body.measures = $("review-measures").value;
    if ($("review-referral").value) body.referral_ref = $("review-referral").value;
    call("/chis/candidates/" + encodeURIComponent(sourceId) + "/review", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then(function (r) {
      if (!r.ok) return fail($("review-result"), r);
      return r.json().then(function (d) {
        $("review-result").textContent = "Recorded: " + d.outcome + " by " + d.reviewer +
          "; next review " + d.next_review;
        loadQueue();
      });
    });
  });

  if (session.token) start();
})();
