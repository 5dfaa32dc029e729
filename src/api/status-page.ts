// The status page at /: one self-contained HTML document (no external
// resources) that polls /v1/status every second and redraws services, real
// servers with their health history, counters and rates, VRRP and events.
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>lvsd status</title>
<style>
body { font: 13px/1.4 system-ui, sans-serif; margin: 1em; color: #222; }
h1 { font-size: 18px; margin: 0 0 .3em; }
h2 { font-size: 15px; margin: 1.2em 0 .3em; }
table { border-collapse: collapse; width: 100%; margin-bottom: .8em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; white-space: nowrap; }
th { background: #e8e8f0; }
td.l, th.l { text-align: left; }
tr.svc td { background: #d8e4f8; font-weight: bold; }
tr.up td.state { background: #b8ecb8; }
tr.down td.state { background: #f4b0b0; }
tr.unchecked td.state { background: #e0e0e0; }
tr.drained td { color: #888; }
.hist span { display: inline-block; width: 7px; height: 11px; margin-right: 1px; }
.hist .u { background: #3a3; } .hist .d { background: #c33; }
#err { color: #c00; }
.MASTER { background: #b8ecb8; } .BACKUP { background: #f0f0b0; } .FAULT { background: #f4b0b0; }
</style>
</head>
<body>
<h1>lvsd</h1>
<div>updated <span id="updated">never</span> <span id="err"></span></div>
<h2>Virtual services</h2>
<table id="services"><thead><tr>
<th class="l">Service / real server</th><th class="l">Origin</th><th>Weight</th><th>Kernel weight</th><th class="l">Health</th><th class="l">History</th>
<th class="l">Last check</th><th>Active</th><th>Inactive</th><th>Conns</th><th>Conn/s</th><th>Pkt/s in</th><th>Pkt/s out</th><th>B/s in</th><th>B/s out</th>
</tr></thead><tbody></tbody></table>
<h2>VRRP</h2>
<table id="vrrp"><thead><tr>
<th class="l">Instance</th><th class="l">State</th><th>Priority</th><th>Effective</th><th class="l">VIPs</th><th class="l">Master</th><th>Transitions</th>
</tr></thead><tbody></tbody></table>
<h2>Recent events</h2>
<table id="events"><thead><tr><th class="l">Time</th><th class="l">Kind</th><th class="l">Event</th></tr></thead><tbody></tbody></table>
<script>
"use strict";
function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null ? "" : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}
function row(body, cls) {
  const tr = document.createElement("tr");
  if (cls) tr.className = cls;
  body.appendChild(tr);
  return tr;
}
function rates(tr, s) {
  s = s || {};
  for (const k of ["connections", "connectionsPerSecond", "inPacketsPerSecond", "outPacketsPerSecond", "inBytesPerSecond", "outBytesPerSecond"]) cell(tr, s[k]);
}
function drawServices(services) {
  const body = document.querySelector("#services tbody");
  body.replaceChildren();
  for (const svc of services) {
    const tr = row(body, "svc");
    tr.dataset.service = svc.id;
    cell(tr, svc.id + " (" + svc.scheduler + ")", "l");
    cell(tr, svc.origin + (svc.origin === "file" ? " " + svc.at : ""), "l");
    for (let i = 0; i < 6; i++) cell(tr, "");
    cell(tr, ""); cell(tr, "");
    rates(tr, svc.stats);
    for (const rs of svc.servers) {
      const r = row(body, rs.health.state + (rs.drained || rs.removing ? " drained" : ""));
      r.dataset.server = svc.id + " " + rs.id;
      cell(r, "\\u2192 " + rs.id + " " + rs.forward, "l");
      cell(r, rs.origin, "l");
      cell(r, rs.weight);
      cell(r, rs.kernelWeight);
      cell(r, rs.health.state + (rs.removing ? " (removing)" : rs.drained ? " (drained)" : ""), "l state");
      const h = cell(r, "", "l hist");
      for (const e of rs.health.history) {
        const s = document.createElement("span");
        s.className = e.up ? "u" : "d";
        s.title = (e.up ? "up " : "down ") + e.at;
        h.appendChild(s);
      }
      const last = rs.health.checks.find((c) => c.last);
      cell(r, last ? last.kind + ": " + last.last.reason + " (" + last.last.latencyMs + " ms)" : (rs.health.lastChange ? rs.health.lastChange.reason : ""), "l");
      cell(r, rs.connections ? rs.connections.active : "");
      cell(r, rs.connections ? rs.connections.inactive : "");
      rates(r, rs.stats);
    }
  }
}
function drawVrrp(list) {
  const body = document.querySelector("#vrrp tbody");
  body.replaceChildren();
  for (const v of list) {
    const tr = row(body);
    cell(tr, v.name, "l");
    cell(tr, v.state, "l " + v.state);
    cell(tr, v.priority);
    cell(tr, v.effectivePriority);
    cell(tr, (v.vips || []).join(" "), "l");
    cell(tr, v.masterAddress, "l");
    cell(tr, v.transitions);
  }
}
function drawEvents(events) {
  const body = document.querySelector("#events tbody");
  body.replaceChildren();
  for (const e of events.slice().reverse()) {
    const tr = row(body);
    cell(tr, e.at, "l");
    cell(tr, e.kind, "l");
    cell(tr, e.text, "l");
  }
}
async function poll() {
  const started = performance.now();
  try {
    const res = await fetch("v1/status", { cache: "no-store" });
    if (!res.ok) throw new Error("status " + res.status);
    const s = await res.json();
    drawServices(s.services);
    drawVrrp(s.vrrp);
    drawEvents(s.events);
    document.getElementById("updated").textContent = s.at;
    document.getElementById("err").textContent = "";
  } catch (e) {
    document.getElementById("err").textContent = "lvsd unreachable: " + e.message;
  }
  // Every second; a table so large that a poll takes longer is polled less often, so that an open page
  // never costs lvsd more than about a fifth of its time.
  setTimeout(poll, Math.max(1000, 4 * (performance.now() - started)));
}
poll();
</script>
</body>
</html>
`;
