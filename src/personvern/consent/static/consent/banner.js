/* personvern consent banner. No dependencies. The server wraps this file as
   (function(w,d,C){...})(window,document,CONFIG) and adds the CSS as C.s.
   Only block comments in this file: the server strips them. */
var P = w.personvern = w.personvern || {}, Q = P.q || [], K = ["functional", "statistics", "marketing"],
  S = d.currentScript, nonce = S && (S.nonce || S.getAttribute("nonce")) || "",
  preview = S && S.hasAttribute("data-preview"),
  L = (d.documentElement.lang || "nb").toLowerCase(),
  lang = /^(nb|no|nn)\b/.test(L) ? "nb" : "en",
  T = C.t[lang], cats = C.c.map(function (x) { return x[0]; }), N = "pvc_" + C.k, R = N + "_q",
  gpc = navigator.globalPrivacyControl === true,
  box, reopen, opener, cur = read(), ok = valid(cur), applied = {};
if (!w.gtag) { w.dataLayer = w.dataLayer || []; w.gtag = function () { w.dataLayer.push(arguments); }; }
if (!P.stub) gtag("consent", "default", gcm({}));

/* The choice on this site (N: pvc_<site key>): the server's cookie on the site's own domain
   (id.version.time.bits.method) or, when newer, the copy in the site's localStorage. The id
   lives only there, so the visitor has another id on every other site. */
function read() {
  var m = d.cookie.match("(^|; )" + N + "=([^;]+)"), a = parse(m && decodeURIComponent(m[2])), b;
  b = parse(ls(N));
  return a && b ? (b.t > a.t ? b : a) : a || b;
}
function parse(s) {
  var p = (s || "").split(".");
  return p.length == 5 ? { id: p[0], v: p[1], t: +p[2], c: p[3], m: p[4] } : null;
}
/* Asked again: another version, past the lifetime, or an "accept all" with marketing from before GPC was on. */
function valid(s) { return !!s && s.v == C.v && Date.now() / 1e3 - s.t < C.l * 864e2 && !(gpc && s.m == "accept_all" && s.c[2] == "1"); }
function has(c) { return c == "necessary" || !!ok && cur.c.charAt(K.indexOf(c)) == "1"; }
function gcm(g) {
  var a = g.statistics ? "granted" : "denied", m = g.marketing ? "granted" : "denied", f = g.functional ? "granted" : "denied";
  return { ad_storage: m, ad_user_data: m, ad_personalization: m, analytics_storage: a, functionality_storage: f, personalization_storage: f, security_storage: "granted" };
}
/* localStorage, which may be off: ls(k) reads, ls(k, v) writes, ls(k, 0) removes. */
function ls(k, v) { try { return v === 0 ? localStorage.removeItem(k) : v ? localStorage.setItem(k, v) : localStorage.getItem(k); } catch (e) { } }
function esc(s) { return String(s == null ? "" : s).replace(/[&<>\x22\x27]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
function rid() {
  var b = new Uint8Array(16), h = ""; crypto.getRandomValues(b);
  for (var i = 0; i < 16; i++) h += (b[i] + 256).toString(16).slice(1);
  return h;
}

/* Run what the visitor allowed: blocked scripts, iframes, Consent Mode, an event. */
function grants() { var g = {}; K.forEach(function (c) { g[c] = has(c); }); return g; }
function apply(fresh) {
  var g = grants();
  if (preview) return;
  gtag("consent", "update", gcm(g));
  d.querySelectorAll("script[type='text/plain'][data-category],iframe[data-category]").forEach(function (el) {
    var need = el.getAttribute("data-category").split(/\s+/), yes = need.every(has);
    if (el.tagName == "IFRAME") {
      var src = el.getAttribute("data-src");
      if (yes && src && el.getAttribute("src") != src) el.src = src;
      if (!yes && el.getAttribute("src") && el.getAttribute("src") != "about:blank") el.src = "about:blank";
      return;
    }
    if (!yes) return;
    var s = d.createElement("script");
    for (var i = 0, a; a = el.attributes[i]; i++) if (a.name != "type" && a.name != "data-category") s.setAttribute(a.name, a.value);
    s.type = el.getAttribute("data-type") || "text/javascript";
    s.nonce = el.nonce || nonce; s.async = false;
    if (!el.src) s.text = el.text;
    el.parentNode.replaceChild(s, el);
  });
  K.forEach(function (c) { if (!g[c] && (applied[c] || fresh)) forget(c); });
  applied = g;
  w.dispatchEvent(new CustomEvent("personvern:consent", { detail: g }));
}
/* Delete the first-party cookies of a category the visitor no longer allows. */
function forget(c) {
  C.c.forEach(function (x) {
    if (x[0] != c) return;
    x[1].forEach(function (r) {
      var n = r[0].replace(/\*$/, ""), h = location.hostname;
      d.cookie.split("; ").forEach(function (kv) {
        var k = kv.split("=")[0];
        if (k == n || (r[0] != n && k.indexOf(n) == 0)) [h, h.replace(/^www\./, "."), ""].forEach(function (dm) {
          d.cookie = k + "=; Max-Age=0; path=/" + (dm ? "; domain=" + dm : "");
        });
      });
    });
  });
}

function decide(method, choice) {
  var bits = K.map(function (c) { return choice[c] ? 1 : 0; }).join(""), body;
  cur = { id: cur && cur.id || "", v: C.v, t: Math.floor(Date.now() / 1e3), c: bits, m: method };
  ok = true; ls(N, [cur.id, cur.v, cur.t, bits, method].join(".")); close(); apply(1);
  if (preview) return;
  body = JSON.stringify({ site: C.k, id: rid(), cid: cur.id, choices: choice, method: method, version: C.v, lang: lang });
  ls(R, body);
  send(body, 0);
}
/* The ledger write. Retries with the same id are stored once (idempotent). */
function send(body, n) {
  fetch(C.a, { method: "POST", body: body, credentials: "include", keepalive: true, headers: { "Content-Type": "text/plain" } })
    .then(function (r) { if (!r.ok && r.status < 500 && r.status != 429) throw 0; if (!r.ok) throw 1; return r.json(); })
    .then(function (j) {
      ls(R, 0); ls(N, j.state); cur = read(); ok = valid(cur);
      P.id = j.cid; if (box) info();
    }, function (e) {
      if (e === 0) ls(R, 0);
      else if (n < 4) setTimeout(function () { send(body, n + 1); }, 1e3 * (n + 1) * (n + 1));
    });
}

function choice(all) {
  var o = {}; K.forEach(function (c) { o[c] = !!all && cats.indexOf(c) >= 0; }); return o;
}
function click(e) {
  var a = e.target.getAttribute("data-a"), o;
  if (!a) return;
  if (a == "all") {
    o = choice(1);
    if (gpc && o.marketing) { o.marketing = false; decide("gpc", o); } else decide("accept_all", o);
  }
  if (a == "none") decide("reject_all", choice(0));
  if (a == "cust") {
    var p = d.getElementById("pvc-c"), open = p.hidden;
    p.hidden = !open; e.target.setAttribute("aria-expanded", open);
    if (open) (box.querySelector("#pvc-c input") || p).focus();
  }
  if (a == "save") {
    o = choice(0);
    box.querySelectorAll("#pvc-c input").forEach(function (i) { o[i.name] = i.checked; });
    decide(gpc && !o.marketing && cats.indexOf("marketing") >= 0 ? "gpc" : "custom", o);
  }
  if (a == "x") close();
}

function table(rows) {
  if (!rows.length) return "";
  var h = "<details><summary>" + esc(T[9]) + " (" + rows.length + ")</summary><table><thead><tr><th scope=col>" +
    [T[10], T[11], T[12], T[13]].map(esc).join("</th><th scope=col>") + "</th></tr></thead><tbody>";
  rows.forEach(function (r) {
    var en = lang == "en";
    h += "<tr><td>" + [r[0], r[1], en && r[3] || r[2], en ? r[5] : r[4]].map(esc).join("</td><td>") + "</td></tr>";
  });
  return h + "</tbody></table></details>";
}
function info() {
  var p = box && box.querySelector("#pvc-i"), id = P.id || cur && cur.id;
  if (p && id) p.innerHTML = esc(T[15]) + ": <code>" + esc(id) + "</code> <a href='" + esc(C.r + id + (lang == "en" ? "?lang=en" : "")) + "' target=_blank rel=noopener>" + esc(T[16]) + "</a>";
}
function show(focus) {
  if (box) return;
  var back = ok, h = "<h2 id=pvc-t>" + esc(T[0]) + "</h2>" + (back ? "<button type=button class=pvc-x data-a=x aria-label='" + esc(T[6]) + "'>&times;</button>" : "") +
    "<p>" + esc(T[1]) + " <a href='" + esc(C.n) + "'>" + esc(T[7]) + "</a></p>" +
    (gpc ? "<p class=pvc-g>" + esc(T[14]) + "</p>" : "") +
    "<div class=pvc-bs><button type=button class=pvc-b data-a=all>" + esc(T[2]) + "</button><button type=button class=pvc-b data-a=none>" + esc(T[3]) +
    "</button><button type=button class=pvc-b data-a=cust aria-expanded=false aria-controls=pvc-c>" + esc(T[4]) + "</button></div><div id=pvc-c hidden tabindex=-1>";
  C.c.forEach(function (x, j) {
    var c = x[0], t = T[17][j], id = "pvc-" + c;
    h += "<div class=pvc-k>" + (c == "necessary" ? "<p><strong>" + esc(t[0]) + "</strong> (" + esc(T[8]) + ")" :
      "<p><input type=checkbox id=" + id + " name=" + c + " aria-describedby=" + id + "-d" + (back && has(c) ? " checked" : "") +
      "><label for=" + id + ">" + esc(t[0]) + "</label>") + "</p><p id=" + id + "-d>" + esc(t[1]) + "</p>" + table(x[1]) + "</div>";
  });
  h += "<button type=button class=pvc-b data-a=save>" + esc(T[5]) + "</button></div><p id=pvc-i></p>";
  box = d.createElement("div");
  box.id = "pvc"; box.className = "pvc"; box.lang = lang;
  box.setAttribute("role", "region"); box.setAttribute("aria-labelledby", "pvc-t");
  box.innerHTML = h; info();
  box.addEventListener("click", click);
  box.addEventListener("keydown", function (e) { if (e.key == "Escape" && ok) close(); });
  d.body.insertBefore(box, d.body.firstChild);
  if (reopen) reopen.hidden = true;
  if (focus) box.querySelector(".pvc-b").focus();
}
function close() {
  if (!box) return;
  box.remove(); box = null;
  if (reopen) reopen.hidden = false;
  /* focus goes back where it came from, or to the way back */
  var o = opener || reopen; opener = null;
  if (o && o.focus) o.focus();
}
P.open = function () { opener = d.activeElement; show(1); };
P.has = has;

function start() {
  var st = d.createElement("style"); st.nonce = nonce; st.textContent = C.s; d.head.appendChild(st);
  if (C.b && !preview) {
    reopen = d.createElement("button"); reopen.type = "button"; reopen.className = "pvc-re"; reopen.textContent = T[0];
    reopen.setAttribute("aria-label", T[0] + ": " + T[4]); reopen.onclick = P.open; reopen.hidden = true;
    d.body.appendChild(reopen);
  }
  d.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-personvern-open],a[href='#personvern']");
    if (t) { e.preventDefault(); opener = t; show(1); }
  });
  if (ok && !preview) { apply(); if (reopen) reopen.hidden = false; } else show(0);
  var q = ls(R); if (q && !preview) send(q, 0);
  Q.forEach(function (f) { P[f[0]] && P[f[0]].apply(P, f[1] || []); });
}
/* Consent Mode hears a returning visitor's choice at once; the page's marked tags are
   activated once the whole document is parsed (an async script can run mid-body). */
if (ok && !preview) gtag("consent", "update", gcm(grants()));
if (d.readyState == "loading") d.addEventListener("DOMContentLoaded", start); else start();
