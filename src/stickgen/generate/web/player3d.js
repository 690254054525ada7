// stickgen serve: the demo page. A 3D stick-figure player on a 2D canvas (perspective camera orbiting the
// motion, floor grid, one colour per actor), the request form, safety verdict and downloads. No library, no
// network beyond this server's /api routes (docs/inference.md, "Web demo").
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var info = null;

  // --- the player ----------------------------------------------------------------------------------------
  function Player(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.motion = null;       // {joints: [T][A][22][3], fps, frames, actors, face (null: none)}
    this.time = 0;            // frames, fractional
    this.frame = 0;
    this.playing = true;
    this.framesShown = 0;     // frames drawn while playing (tests read it)
    this.cam = {az: 0.35, el: 0.3, dist: 4, target: [0, 1, 0]};
    this.figureBox = null;    // the current frame's figures on screen: [x0, y0, x1, y1] (tests read it)
    this.last = null;
    this.fovY = 45 * Math.PI / 180;
  }

  Player.prototype.load = function (motion) {
    this.motion = motion;
    this.time = 0;
    this.frame = 0;
    this.framesShown = 0;
    this.playing = true;
    this.fit();
  };

  // the camera target: the middle of everything the clip visits; distance: the whole clip in view
  Player.prototype.fit = function () {
    var lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
    this.motion.joints.forEach(function (fr) {
      fr.forEach(function (actor) {
        actor.forEach(function (p) {
          for (var k = 0; k < 3; k++) { lo[k] = Math.min(lo[k], p[k]); hi[k] = Math.max(hi[k], p[k]); }
        });
      });
    });
    lo[1] = Math.min(lo[1], 0);
    this.bounds = {lo: lo, hi: hi};
    var radius = 0.5 * Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) + 0.3;
    this.cam.target = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2];
    this.cam.dist = Math.max(2.5, 1.15 * radius / Math.sin(this.fovY / 2));
    this.cam.az = this.startAzimuth();
    this.cam.el = 0.3;
  };

  // the camera's starting orbit: 20 degrees off the front for one actor; for several, 20 degrees off the
  // view across the line between the first two actors' pelvises (averaged over the clip), from the side
  // nearer the front: two people facing each other stand along the front view's line of sight and the
  // nearer one hid the other (the GIF renderer's `auto_azimuth` does the same)
  Player.prototype.startAzimuth = function () {
    var joints = this.motion.joints, gx = 0, gz = 0;
    if (!joints.length || joints[0].length < 2) return 0.35;
    joints.forEach(function (fr) { gx += fr[1][0][0] - fr[0][0][0]; gz += fr[1][0][2] - fr[0][0][2]; });
    gx /= joints.length; gz /= joints.length;
    if (Math.hypot(gx, gz) < 0.2) return 0.35;  // overlapping from every side: keep the front
    var px = -gz, pz = gx;  // across the gap
    if (pz < 0) { px = -px; pz = -pz; }
    return Math.atan2(px, pz) + 0.35;
  };

  Player.prototype.basis = function () {
    var c = this.cam, t = c.target;
    var eye = [t[0] + c.dist * Math.cos(c.el) * Math.sin(c.az), t[1] + c.dist * Math.sin(c.el),
               t[2] + c.dist * Math.cos(c.el) * Math.cos(c.az)];
    var f = norm(sub(t, eye));
    var r = norm(cross(f, [0, 1, 0]));
    var u = cross(r, f);
    return {eye: eye, f: f, r: r, u: u, focal: this.canvas.height / (2 * Math.tan(this.fovY / 2))};
  };

  // a world point -> [screen x, screen y, depth]; depth <= near: behind the camera
  Player.prototype.project = function (b, p) {
    var d = sub(p, b.eye), z = dot(d, b.f);
    var s = b.focal / Math.max(z, 1e-3);
    return [this.canvas.width / 2 + dot(d, b.r) * s, this.canvas.height / 2 - dot(d, b.u) * s, z];
  };

  Player.prototype.drawLine = function (b, p, q, colour, width) {
    var a = this.project(b, p), c = this.project(b, q), near = 0.05;
    if (a[2] < near && c[2] < near) return;
    var ctx = this.ctx;
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(c[0], c[1]); ctx.stroke();
  };

  Player.prototype.drawFloor = function (b) {
    var lo = this.bounds.lo, hi = this.bounds.hi, step = 0.5, pad = 1.0;
    var x0 = Math.floor((lo[0] - pad) / step) * step, x1 = Math.ceil((hi[0] + pad) / step) * step;
    var z0 = Math.floor((lo[2] - pad) / step) * step, z1 = Math.ceil((hi[2] + pad) / step) * step;
    for (var x = x0; x <= x1 + 1e-9; x += step) this.drawLine(b, [x, 0, z0], [x, 0, z1], "#d6d6d6", 1);
    for (var z = z0; z <= z1 + 1e-9; z += step) this.drawLine(b, [x0, 0, z], [x1, 0, z], "#d6d6d6", 1);
  };

  Player.prototype.draw = function () {
    var ctx = this.ctx, w = this.canvas.width, h = this.canvas.height;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, w, h);
    if (!this.motion) return;
    var b = this.basis(), fig = info.figure, self = this;
    ctx.lineCap = "round";
    this.drawFloor(b);
    var pose = this.motion.joints[this.frame];
    var items = [], box = [Infinity, Infinity, -Infinity, -Infinity];
    pose.forEach(function (actor, a) {
      var colour = fig.colors[a % fig.colors.length];
      var pelvis = actor[0], shadow = self.project(b, [pelvis[0], 0, pelvis[2]]);
      items.push({depth: shadow[2] + 100, kind: "shadow", p: shadow});  // shadows first, under everything
      fig.segments.forEach(function (s) {
        var p = self.project(b, actor[s[0]]), q = self.project(b, actor[s[1]]);
        items.push({depth: (p[2] + q[2]) / 2, kind: "bone", p: p, q: q, colour: colour});
      });
      var head = self.project(b, actor[fig.head]);
      items.push({depth: head[2], kind: "head", p: head, colour: colour, actor: actor, a: a});
      actor.forEach(function (j) {
        var s = self.project(b, j);
        box[0] = Math.min(box[0], s[0]); box[1] = Math.min(box[1], s[1]);
        box[2] = Math.max(box[2], s[0]); box[3] = Math.max(box[3], s[1]);
      });
    });
    items.sort(function (m, n) { return n.depth - m.depth; });  // far to near
    items.forEach(function (it) {
      var z = Math.max(it.p[2], 0.05);
      if (it.kind === "shadow") {
        ctx.fillStyle = "rgba(0, 0, 0, 0.12)";
        ctx.beginPath();
        ctx.ellipse(it.p[0], it.p[1], 0.25 * b.focal / z, 0.08 * b.focal / z, 0, 0, 2 * Math.PI);
        ctx.fill();
      } else if (it.kind === "bone") {
        ctx.strokeStyle = it.colour;
        ctx.lineWidth = Math.max(1.5, fig.line_width_m * b.focal / z);
        ctx.beginPath(); ctx.moveTo(it.p[0], it.p[1]); ctx.lineTo(it.q[0], it.q[1]); ctx.stroke();
      } else {
        var r = fig.head_radius_m * b.focal / z;
        ctx.fillStyle = "#ffffff"; ctx.strokeStyle = it.colour;
        ctx.lineWidth = Math.max(1.5, fig.line_width_m * b.focal / z);
        ctx.beginPath(); ctx.arc(it.p[0], it.p[1], r, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
        if (self.motion.face) self.drawFace(b, it.actor, it.a, it.colour, 0.45 * ctx.lineWidth);
      }
    });
    this.figureBox = box;
  };

  // --- faces: only for a sample that carries one (export's JSON `face`: tables and (T, A) fields). The shapes
  // mirror stickgen.generate.face_draw: features on the head's sphere, the face turned TURN of the way from
  // the camera, hidden beyond MAX_TURN; eyes, brows by expression, a mouth by viseme and mouth_open.
  var J = {pelvis: 0, neck: 12, head: 15, across: [[16, 17], [1, 2], [13, 14]]};  // SMPL joint order
  var FACE = {
    turn: 0.55, maxTurn: 105 * Math.PI / 180,
    style: {  // brow (inner, outer) lift, mouth bend, share of the opening above the mouth line
      neutral: [0, 0, 0, 0.5], happy: [0.04, 0.04, 0.14, 0.15], sad: [0.13, -0.05, -0.12, 0.8],
      angry: [-0.12, 0.06, -0.06, 0.5], surprised: [0.13, 0.13, 0, 0.5], fearful: [0.13, 0, -0.06, 0.6],
      disgusted: [-0.08, 0.02, -0.08, 0.6]
    },
    visemes: {rest: [0.3, 0], closed: [0.26, 0], open: [0.28, 0.25], wide: [0.38, 0], round: [0.18, 0.8],
              pursed: [0.11, 0.7], teeth: [0.3, 0.12]}  // mouth half width, least opening (of the width)
  };

  function ring(x, y, r, n) {
    var out = [];
    for (var k = 0; k < n; k++) out.push([x + r * Math.cos(2 * Math.PI * k / n), y + r * Math.sin(2 * Math.PI * k / n)]);
    return out;
  }

  // shapes in face coordinates (a: the actor's left, b: up; head radii): {pts, fill, close}
  function faceShapes(expr, open, viseme, eyes) {
    var st = FACE.style[expr] || FACE.style.neutral, out = [];
    [1, -1].forEach(function (side) {
      var x = side * 0.36, y = 0.1;
      if (eyes === "closed") out.push({pts: [[x - 0.13, y - 0.02], [x, y - 0.05], [x + 0.13, y - 0.02]]});
      else if (eyes === "squint") out.push({pts: [[x - 0.08, y], [x + 0.08, y]]});
      else if (eyes === "wide") out.push({pts: ring(x, y, 0.16, 12), close: true}, {pts: ring(x, y, 0.06, 8), fill: true});
      else out.push({pts: ring(x, y, 0.095, 10), fill: true});
      var flat = expr === "disgusted" && side < 0;  // one brow down, the other flat
      out.push({pts: [[side * 0.14, 0.38 + (flat ? 0 : st[0])], [side * 0.52, 0.38 + (flat ? 0 : st[1])]]});
    });
    var v = FACE.visemes[viseme] || FACE.visemes.rest, half = v[0];
    var opening = Math.max(Math.min(Math.max(open, 0), 1) * 0.42, v[1] * 2 * half), upper = [], lower = [];
    if (opening < 0.04) opening = 0;
    for (var k = 0; k <= 10; k++) {
      var u = -1 + k / 5, line = -0.42 + st[2] * u * u, bulge = Math.sqrt(Math.max(0, 1 - u * u));
      upper.push([half * u, line + opening * st[3] * bulge]);
      lower.push([half * u, line - opening * (1 - st[3]) * bulge]);
    }
    out.push(opening ? {pts: upper.concat(lower.reverse().slice(1, -1)), fill: true} : {pts: upper});
    return out;
  }

  // rows: the drawn face's left, up and forward (the head turned towards the eye); null: seen from behind
  function faceFrame(actor, eye) {
    var up = norm(sub(actor[J.neck], actor[J.pelvis])), across = [0, 0, 0];
    J.across.forEach(function (p) { var d = sub(actor[p[0]], actor[p[1]]); across = add(across, d, 1); });
    var fwd = norm(cross(across, up)), to = sub(eye, actor[J.head]);
    to = add(to, up, -dot(to, up));
    if (Math.hypot(to[0], to[1], to[2]) < 1e-6) return [cross(up, fwd), up, fwd];
    to = norm(to);
    var angle = Math.atan2(dot(cross(to, fwd), up), dot(to, fwd));
    if (Math.abs(angle) > FACE.maxTurn) return null;
    var turned = add(add([0, 0, 0], to, Math.cos(FACE.turn * angle)), cross(up, to), Math.sin(FACE.turn * angle));
    return [cross(up, turned), up, turned];
  }

  Player.prototype.drawFace = function (b, actor, a, colour, width) {
    var f = this.motion.face, t = this.frame, tables = f.tables;
    var expr = tables.expression[f.expression[t][a]];
    if (!expr || expr === "unknown") return;
    var frame = faceFrame(actor, b.eye);
    if (!frame) return;
    var head = actor[J.head], fig = info.figure, inside = fig.head_radius_m - fig.line_width_m / 2;
    var toEye = norm(sub(b.eye, head)), ctx = this.ctx, self = this;
    var shapes = faceShapes(expr, f.mouth_open[t][a], tables.viseme[f.viseme[t][a]], tables.eyes[f.eyes[t][a]]);
    shapes.forEach(function (sh) {
      var pts = [];
      sh.pts.forEach(function (ab) {
        var c = Math.sqrt(Math.max(0, 1 - ab[0] * ab[0] - ab[1] * ab[1]));
        var n = add(add(add([0, 0, 0], frame[0], ab[0]), frame[1], ab[1]), frame[2], c);
        if (dot(n, toEye) > 0.02) pts.push(self.project(b, add(head, n, inside)));
      });
      if (pts.length < (sh.fill ? 3 : 2)) return;
      ctx.beginPath(); ctx.moveTo(pts[0][0], pts[0][1]);
      for (var k = 1; k < pts.length; k++) ctx.lineTo(pts[k][0], pts[k][1]);
      if (sh.fill || sh.close) ctx.closePath();
      if (sh.fill) { ctx.fillStyle = colour; ctx.fill(); } else { ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.stroke(); }
    });
  };

  Player.prototype.tick = function (now) {
    if (this.motion && this.playing && this.last !== null) {
      var before = this.frame;
      this.time = (this.time + (now - this.last) / 1000 * this.motion.fps) % this.motion.frames;
      this.frame = Math.floor(this.time);
      if (this.frame !== before) this.framesShown++;
    }
    this.last = now;
    this.draw();
    this.onframe && this.onframe(this.frame);
  };

  Player.prototype.seek = function (frame) {
    this.frame = Math.max(0, Math.min(this.motion.frames - 1, frame | 0));
    this.time = this.frame;
    this.draw();
    this.onframe && this.onframe(this.frame);
  };

  function sub(a, b) { return [a[0] - b[0], a[1] - b[1], a[2] - b[2]]; }
  function dot(a, b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
  function cross(a, b) { return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]; }
  function add(a, b, k) { return [a[0] + k * b[0], a[1] + k * b[1], a[2] + k * b[2]]; }
  function norm(a) { var n = Math.hypot(a[0], a[1], a[2]) || 1; return [a[0] / n, a[1] / n, a[2] / n]; }

  // --- the page ------------------------------------------------------------------------------------------
  var player = new Player($("view"));
  var result = null, shown = null;
  var timeline = new window.StickgenTimeline($("span-rows"), $("add-span"));
  window.stickgenDemo = {player: player, timeline: timeline, result: function () { return result; }};

  function status(text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  }

  function setPlaying(on) {
    player.playing = on;
    $("play").textContent = on ? "pause" : "play";
  }

  // one prompt, or a timeline: the fields of the other mode are hidden and left out of the form
  function timelineMode() { return $("mode-timeline").checked; }

  function setMode() {
    var on = timelineMode();
    if (on && !timeline.rows().length) {
      var half = Math.min(2, info ? info.limits.max_duration_s / 2 : 2);
      timeline.addSpan(0, half, "a person walks forward");
      timeline.addSpan(half, 2 * half, "a person waves");
    }
    $("timeline").hidden = !on;
    $("prompt-fields").hidden = on;
    $("duration-field").hidden = on;
    $("prompt").disabled = on;
    $("duration").disabled = on;
    timeline.setEnabled(on);
  }

  function showSample(i) {
    var s = result.samples[i];
    shown = s;
    player.load({joints: s.joints, fps: s.fps, frames: s.frames, actors: s.actors, face: s.face || null});
    setPlaying(true);
    $("frame").max = String(s.frames - 1);
    Array.prototype.forEach.call($("tabs").children, function (t, k) {
      t.setAttribute("aria-selected", String(k === i));
    });
    var v = $("verdict");
    var words = {passed: "Safety check: passed", flagged: "Safety check: FLAGGED (every attempt rejected)",
                 "not checked": "Safety check: not checked (server started with --no-safety-check)"};
    v.textContent = words[s.verdict] + (s.safety_score == null ? "" : " (score " + s.safety_score.toFixed(2) + ")") +
      (s.safety_reasons && s.safety_reasons.length ? ": " + s.safety_reasons.join("; ") : "");
    v.className = s.verdict === "passed" ? "passed" : s.verdict === "flagged" ? "flagged" : "unchecked";
    $("details").textContent = s.frames + " frames at " + s.fps + " fps, " + s.actors + " actor(s), seed " +
      s.seed + ", " + s.attempts + " attempt(s), generated in " + s.latency_s.toFixed(2) + " s" +
      (result.refiner ? ", refined" : "") + (s.timeline ? "; one motion through " + s.timeline.length + " spans" : "");
    $("notes").textContent = (s.notes || []).map(function (n) { return "Note: " + n + "."; }).join(" ");
    var dl = $("downloads");
    dl.textContent = "Download: ";
    Object.keys(s.downloads).forEach(function (name) {
      var a = document.createElement("a");
      a.href = s.downloads[name];
      a.textContent = name.toUpperCase();
      a.setAttribute("download", "");
      dl.appendChild(a);
    });
  }

  function showResult(r) {
    result = r;
    var tabs = $("tabs");
    tabs.textContent = "";
    r.samples.forEach(function (s, i) {
      var t = document.createElement("button");
      t.type = "button";
      t.setAttribute("role", "tab");
      t.textContent = "sample " + (i + 1) + " (seed " + s.seed + ")";
      t.addEventListener("click", function () { showSample(i); });
      tabs.appendChild(t);
    });
    tabs.hidden = r.samples.length < 2;
    $("result").hidden = false;
    showSample(0);
  }

  function request() {
    var body = timelineMode() ? {timeline: timeline.spans()}
                              : {prompt: $("prompt").value,
                                 duration_s: $("duration").value === "" ? null : Number($("duration").value)};
    body.samples = Number($("samples").value);
    body.refiner = $("refiner").checked;
    if ($("actors").value !== "") body.actors = Number($("actors").value);
    if ($("seed").value !== "") body.seed = Number($("seed").value);
    return body;
  }

  $("form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var button = $("submit");
    button.disabled = true;
    status("generating ...", false);
    var t0 = performance.now();
    fetch("/api/generate", {method: "POST", headers: {"content-type": "application/json"},
                            body: JSON.stringify(request())})
      .then(function (resp) {
        return resp.json().then(function (doc) { return {ok: resp.ok, status: resp.status, doc: doc}; });
      })
      .then(function (r) {
        if (!r.ok) { status("error " + r.status + ": " + r.doc.error, true); return; }
        showResult(r.doc);
        status("done in " + ((performance.now() - t0) / 1000).toFixed(1) + " s: " + r.doc.prompt, false);
      })
      .catch(function (err) { status("the server did not answer: " + err, true); })
      .finally(function () { button.disabled = false; });
  });

  $("mode-prompt").addEventListener("change", setMode);
  $("mode-timeline").addEventListener("change", setMode);

  $("play").addEventListener("click", function () { setPlaying(!player.playing); });
  $("frame").addEventListener("input", function () { setPlaying(false); player.seek(Number($("frame").value)); });
  $("reset").addEventListener("click", function () { if (player.motion) player.fit(); });
  document.addEventListener("keydown", function (ev) {
    if (ev.code === "Space" && player.motion && ev.target.tagName !== "TEXTAREA" && ev.target.tagName !== "INPUT") {
      ev.preventDefault();
      setPlaying(!player.playing);
    }
  });
  player.onframe = function (f) {
    $("frame").value = String(f);
    $("label").textContent = "frame " + (f + 1) + " / " + (player.motion ? player.motion.frames : 1);
    var tl = shown && shown.timeline;
    if (tl) {
      var k = window.StickgenTimeline.spanAt(tl, f);
      $("span-label").textContent = "span " + (k + 1) + " / " + tl.length + ": " + tl[k].text;
    } else {
      $("span-label").textContent = "";
    }
  };

  // orbit: drag; zoom: wheel; reset: double click
  var drag = null, canvas = $("view");
  canvas.addEventListener("pointerdown", function (ev) { drag = [ev.clientX, ev.clientY]; canvas.setPointerCapture(ev.pointerId); });
  canvas.addEventListener("pointerup", function () { drag = null; });
  canvas.addEventListener("pointermove", function (ev) {
    if (!drag) return;
    player.cam.az -= (ev.clientX - drag[0]) * 0.01;
    player.cam.el = Math.max(-0.15, Math.min(1.45, player.cam.el + (ev.clientY - drag[1]) * 0.01));
    drag = [ev.clientX, ev.clientY];
  });
  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    player.cam.dist = Math.max(0.8, Math.min(60, player.cam.dist * Math.exp(ev.deltaY * 0.001)));
  }, {passive: false});
  canvas.addEventListener("dblclick", function () { if (player.motion) player.fit(); });

  function loop(now) { player.tick(now); requestAnimationFrame(loop); }

  fetch("/api/info").then(function (r) { return r.json(); }).then(function (doc) {
    info = doc;
    var L = doc.limits;
    $("prompt").maxLength = L.max_prompt_chars;
    $("duration").min = String(L.min_duration_s);
    $("duration").max = String(L.max_duration_s);
    $("duration").value = String(Math.min(Number($("duration").value), L.max_duration_s));
    $("samples").max = String(L.max_samples);
    for (var a = 1; a <= L.max_actors; a++) {
      var o = document.createElement("option");
      o.value = String(a); o.textContent = String(a);
      $("actors").appendChild(o);
    }
    timeline.configure(L);
    setMode();
    $("refiner").checked = L.refiner_default;
    $("refiner").disabled = !L.refiner_available;
    $("model-info").textContent = "Model: " + doc.model.variant + " / " + doc.model.phase + " (" +
      doc.model.checkpoint + "), " + doc.fps + " fps; up to " + L.max_duration_s + " s, " + L.model_actors +
      " actor(s) in one motion (" + L.max_actors + " side by side, each doing what one person does), " + L.max_samples + " sample(s), timelines of up to " + L.max_spans + " spans.";
    document.body.setAttribute("data-ready", "true");
    requestAnimationFrame(loop);
  }).catch(function (err) { status("cannot reach the server: " + err, true); });
})();
