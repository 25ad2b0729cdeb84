"use strict";
// Filing a return and declaring a meeting, over the API (?id= the registrant); each
// problem+json error is shown next to its field.
const token = sessionStorage.getItem("registry-token");
const id = new URLSearchParams(location.search).get("id");
const $ = sel => document.querySelector(sel);
const toSignIn = () => { location.href = "/pages/sign-in?next=" + encodeURIComponent(location.pathname + location.search); };
const lines = text => text.split("\n").map(s => s.trim()).filter(Boolean);
const orNull = v => (v.trim() === "" ? null : v.trim());
let codes = null;

async function api(method, url, body) {
  const headers = {Authorization: "Bearer " + token};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(url, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  if (r.status === 401) { toSignIn(); throw new Error("signed out"); }
  return {ok: r.ok, status: r.status, body: await r.json().catch(() => ({}))};
}
function options(select, entries, empty) {
  select.replaceChildren(new Option(empty, ""));
  for (const [code, label] of Object.entries(entries)) select.add(new Option(label, code));
}
function addRow(kind) {
  const row = document.getElementById(kind + "-row").content.firstElementChild.cloneNode(true);
  const band = row.querySelector("[data-part=income_band]");
  if (band) options(band, codes.money_bands, "choose");
  row.querySelector("[data-remove]").addEventListener("click", () => row.remove());
  document.getElementById(kind + "s").append(row);
}
function rows(kind) {
  return [...document.querySelectorAll("#" + kind + "s .row")].map(row => {
    const out = {};
    for (const input of row.querySelectorAll("[data-part]")) out[input.dataset.part] = orNull(input.value);
    return out;
  });
}
function clearErrors() {
  for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of document.querySelectorAll(".invalid-message")) el.remove();
  $("#form-error").hidden = true;
}
function fieldElement(path) {
  const m = /^(officials|clients)\[(\d+)\](?:\.(\w+))?/.exec(path || "");
  if (m) {
    const row = document.querySelectorAll("#" + m[1] + " .row")[Number(m[2])];
    if (row) return m[3] ? row.querySelector("[data-part=" + m[3] + "]") : row;
  }
  return document.querySelector('[data-field="' + String(path || "").replace(/\[\d+\].*$/, "") + '"]');
}
function showErrors(problem) {
  const errors = problem.errors && problem.errors.length ? problem.errors : [{field: problem.field, message: problem.detail}];
  for (const err of errors) {
    const el = fieldElement(err.field);
    if (!el) continue;
    el.setAttribute("aria-invalid", "true");
    const msg = Object.assign(document.createElement("span"), {className: "invalid-message", textContent: " " + err.message});
    el.after(msg);
  }
  $("#form-error").textContent = problem.detail || "Something went wrong.";
  $("#form-error").hidden = false;
}
function done(text, href, label) {
  const p = $("#state");
  p.replaceChildren(text + " ");
  if (href) p.append(Object.assign(document.createElement("a"), {href, textContent: label}));
  p.tabIndex = -1; p.focus();
}
async function initReturn() {
  for (const [code, label] of Object.entries(codes.subject_matters)) {
    const box = Object.assign(document.createElement("input"), {type: "checkbox", value: code});
    const l = document.createElement("label"); l.append(box, " " + label);
    $("#subject_matters").append(l);
  }
  options($("#costs_band"), codes.money_bands, "choose a band");
  const owed = await fetch("/api/v1/registrants/" + id + "/returns").then(r => r.json());
  const periods = (Array.isArray(owed) ? owed : owed.items || []);
  $("#period_start").replaceChildren(...periods.map(p => new Option(p.period_start + " to " + p.period_end + " (" + p.status + ", due " + p.due_date + ")", p.period_start)));
  $("#state").textContent = periods.length ? "Choose the period and fill in the return." : "No return is owed yet.";
  $("#add-client").addEventListener("click", () => addRow("client"));
  $("#return").addEventListener("submit", async e => {
    e.preventDefault(); clearErrors();
    const body = {period_start: $("#period_start").value, costs_band: $("#costs_band").value || null,
      subject_matters: [...document.querySelectorAll("#subject_matters input:checked")].map(c => c.value),
      legislative_files: lines($("#legislative_files").value), activities: orNull($("#activities").value),
      clients: rows("client")};
    const r = await api("POST", "/api/v1/registrants/" + id + "/returns", body);
    if (!r.ok) { showErrors(r.body); return; }
    done("Return filed for " + r.body.period_start + " to " + r.body.period_end + ".", "/registrants/" + id, "See your public entry");
  });
}
async function initMeeting() {
  addRow("official");
  $("#add-official").addEventListener("click", () => addRow("official"));
  $("#state").textContent = "Declare a meeting with public officials.";
  $("#meeting").addEventListener("submit", async e => {
    e.preventDefault(); clearErrors();
    const body = {date: $("#date").value || null, subject: $("#subject").value.trim(),
      institution: orNull($("#institution").value), officials: rows("official").filter(o => o.name || o.role || o.institution),
      clients: lines($("#clients").value), legislation: orNull($("#legislation").value), location: orNull($("#location").value)};
    const r = await api("POST", "/api/v1/registrants/" + id + "/meetings", body);
    if (!r.ok) { showErrors(r.body); return; }
    done("Meeting declared.", "/meetings?registrant_id=" + id, "See your meetings");
  });
}
async function init() {
  $("#back").href = "/pages/register?id=" + encodeURIComponent(id || "");
  if (!id) { $("#state").textContent = "Open this page from your entry (it needs ?id=)."; return; }
  codes = await fetch("/api/v1/registrants/code-lists").then(r => r.json());
  if ($("#return")) await initReturn(); else await initMeeting();
}
if (token) init(); else toSignIn();
