/* Campaign form: live GSM-7 character and SMS-part counter (the rules of ussd_app/text/gsm.py,
   with the tables and Unicode ranges sent by the server, see ussd_app/clinic/counter.py), the
   characters that will be replaced, audience fields by kind, and the live recipient count. */
(function () {
  "use strict";
  var tables = JSON.parse(document.getElementById("gsm-tables").dataset.tables);
  var basic = new Set(Array.from(tables.basic));
  var extension = new Set(Array.from(tables.extension));
  var textEl = document.getElementById("counter-text");

  function inRanges(ranges, cp) {
    var low = 0, high = ranges.length - 1;
    while (low <= high) {
      var mid = (low + high) >> 1;
      if (cp < ranges[mid][0]) high = mid - 1;
      else if (cp > ranges[mid][1]) low = mid + 1;
      else return true;
    }
    return false;
  }

  function foldChar(ch) {  // gsm._fold_char, step by step
    if (basic.has(ch) || extension.has(ch)) return ch;
    if (Object.prototype.hasOwnProperty.call(tables.fold, ch)) return tables.fold[ch];
    var cp = ch.codePointAt(0);
    if (inRanges(tables.drop, cp)) return "";
    if (inRanges(tables.space, cp)) return " ";
    var base = Array.from(ch.normalize("NFKD")).filter(function (c) {
      return !inRanges(tables.combining, c.codePointAt(0));
    }).join("");
    if (base && Array.from(base).every(function (c) { return basic.has(c); })) return base;
    return "?";
  }

  function shown(ch) {  // a character as the notice can show it (marks and invisibles by code)
    var cp = ch.codePointAt(0);
    if (inRanges(tables.drop, cp) || inRanges(tables.space, cp)) {
      return "U+" + cp.toString(16).toUpperCase().padStart(4, "0");
    }
    return ch;
  }

  function fold(text) {
    var sent = "", replaced = new Map(), lost = new Set();
    Array.from(text.normalize("NFC")).forEach(function (ch) {
      var out = foldChar(ch);
      sent += out;
      if (out === ch) return;
      if (out === "?") lost.add(shown(ch));
      else replaced.set(shown(ch), out);
    });
    return { sent: sent, replaced: replaced, lost: lost };
  }

  function size(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (c) { return basic.has(c) || extension.has(c); });
    var units, single, multi;
    if (gsm) {
      units = chars.reduce(function (n, c) { return n + (extension.has(c) ? 2 : 1); }, 0);
      single = tables.single[0]; multi = tables.single[1];
    } else {
      units = text.length;  // UTF-16 code units, as the server counts them
      single = tables.ucs2[0]; multi = tables.ucs2[1];
    }
    var parts = units <= single ? 1 : Math.ceil(units / multi);
    return { units: units, parts: parts, encoding: gsm ? "GSM-7" : "UCS-2" };
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  function line(className, text) {
    var p = document.createElement("span");
    p.className = className;
    p.textContent = text;
    return p;
  }

  function updateCounter(area) {
    var out = document.getElementById(area.dataset.counter);
    var folded = fold(area.value);  // what will actually be sent
    var s = size(folded.sent);
    var max = parseInt(textEl.dataset.max, 10);
    var nodes = [line("count", fill(textEl.dataset.text, { chars: s.units, parts: s.parts, encoding: s.encoding }) +
      (s.parts > max ? " — " + fill(textEl.dataset.tooLong, { parts: max }) : ""))];
    if (folded.replaced.size) {
      var changes = Array.from(folded.replaced, function (pair) { return pair[0] + "→" + (pair[1] || "∅"); });
      nodes.push(line("replaced", fill(textEl.dataset.replaced, { changes: changes.join(" ") })));
    }
    if (folded.lost.size) {
      nodes.push(line("lost", fill(textEl.dataset.lost, { chars: Array.from(folded.lost).join(" ") })));
    }
    out.replaceChildren.apply(out, nodes);
    out.classList.toggle("warn", s.parts > max || folded.lost.size > 0);
    out.dataset.parts = s.parts;
    out.dataset.chars = s.units;
    out.dataset.sent = folded.sent;
    out.dataset.lost = folded.lost.size;
  }

  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    area.addEventListener("input", function () { updateCounter(area); });
    updateCounter(area);
  });

  var form = document.getElementById("campaign-form");
  var countEl = document.getElementById("recipient-count");
  var timer = null;

  function showKind() {
    var checked = form.querySelector("input[name=audience]:checked");
    var kind = checked ? checked.value : "";
    form.querySelectorAll("[data-for]").forEach(function (block) {
      block.hidden = block.dataset.for !== kind;
    });
  }

  function refreshCount() {
    var data = new FormData(form);
    var params = new URLSearchParams();
    ["audience", "month_from", "month_to", "visit", "due_from", "due_to", "group_id", "facility_code"].forEach(function (k) {
      if (data.has(k)) params.set(k, data.get(k));
    });
    fetch(form.dataset.countUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        countEl.textContent = body.error ? body.error : fill(countEl.dataset.label, { count: body.count });
        countEl.dataset.count = body.error ? "" : body.count;
      })
      .catch(function () { /* the Count button still works without this */ });
  }

  form.addEventListener("change", function (event) {
    if (event.target.tagName === "TEXTAREA") return;
    showKind();
    clearTimeout(timer);
    timer = setTimeout(refreshCount, 250);
  });
  form.addEventListener("submit", function () {
    // A second click while the first submit is on its way must not send twice (the server's
    // idempotency key already ensures it; this spares a useless request).
    setTimeout(function () { document.getElementById("send-button").disabled = true; }, 0);
  });
  showKind();
  refreshCount();
})();
