// stickgen serve: the timeline editor. A list of spans (start s, end s, text) that the page sends as
// {"timeline": [{start, end, text}, ...]}: the server makes one continuous motion through them, as
// `stickgen generate --timeline` does (docs/inference.md, "Web demo"). No library, no network.
(function () {
  "use strict";

  function cell(row, input) {
    var td = document.createElement("td");
    td.appendChild(input);
    row.appendChild(td);
    return input;
  }

  function numberInput(cls, value, label) {
    var input = document.createElement("input");
    input.type = "number";
    input.className = cls;
    input.min = "0";
    input.step = "any";
    input.required = true;
    input.value = String(value);
    input.setAttribute("aria-label", label);
    return input;
  }

  // body: the <tbody> the rows go in; addButton: the "add span" button
  function TimelineEditor(body, addButton) {
    this.body = body;
    this.addButton = addButton;
    this.maxSpans = 8;
    this.maxChars = 200;
    this.maxSeconds = 10;
    var self = this;
    addButton.addEventListener("click", function () { self.addSpan(); });
  }

  // the server's bounds (/api/info limits)
  TimelineEditor.prototype.configure = function (limits) {
    this.maxSpans = limits.max_spans;
    this.maxChars = limits.max_prompt_chars;
    this.maxSeconds = limits.max_duration_s;
    this.update();
  };

  TimelineEditor.prototype.rows = function () {
    return Array.prototype.slice.call(this.body.querySelectorAll("tr"));
  };

  // a span after the last one (2 s, or what is left of the longest motion), or the one given
  TimelineEditor.prototype.addSpan = function (start, end, text) {
    var rows = this.rows();
    if (rows.length >= this.maxSpans) return;
    if (start === undefined) {
      start = rows.length ? Number(rows[rows.length - 1].querySelector(".span-end").value) : 0;
      end = Math.max(start + 0.5, Math.min(start + 2, this.maxSeconds));
    }
    var n = rows.length + 1;
    var row = document.createElement("tr");
    cell(row, numberInput("span-start", start, "span " + n + " start (s)"));
    cell(row, numberInput("span-end", end, "span " + n + " end (s)"));
    var t = cell(row, document.createElement("input"));
    t.type = "text";
    t.className = "span-text";
    t.required = true;
    t.maxLength = this.maxChars;
    t.value = text || "";
    t.placeholder = "what happens, e.g. a person waves";
    t.setAttribute("aria-label", "span " + n + " text");
    var remove = cell(row, document.createElement("button"));
    remove.type = "button";
    remove.className = "span-remove";
    remove.textContent = "remove";
    var self = this;
    remove.addEventListener("click", function () { row.remove(); self.update(); });
    this.body.appendChild(row);
    this.update();
  };

  // at most maxSpans rows; the last row cannot be removed
  TimelineEditor.prototype.update = function () {
    var rows = this.rows(), max = this.maxChars;
    this.addButton.disabled = rows.length >= this.maxSpans;
    rows.forEach(function (r) {
      r.querySelector(".span-remove").disabled = rows.length < 2;
      r.querySelector(".span-text").maxLength = max;
    });
  };

  // on: the rows take part in the form (checked and sent); off: they are ignored
  TimelineEditor.prototype.setEnabled = function (on) {
    this.rows().forEach(function (r) {
      r.querySelectorAll("input").forEach(function (i) { i.disabled = !on; });
    });
  };

  // the request's timeline: [{start, end, text}] as typed (the server checks it)
  TimelineEditor.prototype.spans = function () {
    return this.rows().map(function (r) {
      return {start: Number(r.querySelector(".span-start").value), end: Number(r.querySelector(".span-end").value),
              text: r.querySelector(".span-text").value};
    });
  };

  // the span of a result's timeline ([{start_s, end_s, text, frames: [a, b)}]) that frame f is in
  TimelineEditor.spanAt = function (timeline, f) {
    for (var k = 0; k < timeline.length; k++) {
      if (f < timeline[k].frames[1]) return k;
    }
    return timeline.length - 1;
  };

  window.StickgenTimeline = TimelineEditor;
})();
