"use strict";
// The registration form: reads and writes the draft through the API.
const token = sessionStorage.getItem("registry-token");
const toSignIn = () => { location.href = "/pages/sign-in?next=" + encodeURIComponent(location.pathname + location.search); };
const params = new URLSearchParams(location.search);
let id = params.get("id");
let etag = null;
let codes = null;
const $ = sel => document.querySelector(sel);

async function api(method, url, body, extra) {
  const headers = Object.assign({Authorization: "Bearer " + token}, extra || {});
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(url, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  if (r.status === 401) { toSignIn(); throw new Error("signed out"); }
  const data = await r.json().catch(() => ({}));
  if (r.headers.get("ETag")) etag = r.headers.get("ETag");
  return {ok: r.ok, status: r.status, body: data};
}
function options(select, entries, empty) {
  select.replaceChildren(new Option(empty, ""));
  for (const [code, label] of Object.entries(entries)) select.add(new Option(label, code));
}
function addRow(kind, value) {
  const row = document.getElementById(kind + "-row").content.firstElementChild.cloneNode(true);
  const band = row.querySelector("[data-part=income_band]");
  if (band) options(band, codes.money_bands, "choose");
  for (const input of row.querySelectorAll("[data-part]")) input.value = (value || {})[input.dataset.part] || "";
  row.querySelector("[data-remove]").addEventListener("click", () => row.remove());
  document.getElementById(kind + "s").append(row);
}
const lines = text => text.split("\n").map(s => s.trim()).filter(Boolean);
const orNull = v => (v.trim() === "" ? null : v.trim());
function rows(kind) {
  return [...document.querySelectorAll("#" + kind + "s .row")].map(row => {
    const out = {};
    for (const input of row.querySelectorAll("[data-part]")) out[input.dataset.part] = orNull(input.value);
    return out;
  });
}
function readForm() {
  return {
    name: orNull($("#name").value), category: orNull($("#category").value),
    legal_form: orNull($("#legal_form").value), website: orNull($("#website").value),
    description: orNull($("#description").value),
    head_office: {address: orNull($("#address").value), city: orNull($("#city").value),
                  post_code: orNull($("#post_code").value),
                  country: orNull($("#country").value.toUpperCase())},
    subject_matters: [...document.querySelectorAll("#subject_matters input:checked")].map(c => c.value),
    legislative_files: lines($("#legislative_files").value),
    annual_costs_band: orNull($("#annual_costs_band").value),
    funding_sources: lines($("#funding_sources").value), memberships: lines($("#memberships").value),
    lobbyists: rows("lobbyist"), clients: rows("client"),
  };
}
function fillForm(e) {
  for (const key of ["name", "category", "legal_form", "website", "description", "annual_costs_band"]) $("#" + key).value = e[key] || "";
  const office = e.head_office || {};
  for (const key of ["address", "city", "post_code", "country"]) $("#" + key).value = office[key] || "";
  for (const box of document.querySelectorAll("#subject_matters input")) box.checked = (e.subject_matters || []).includes(box.value);
  for (const key of ["legislative_files", "funding_sources", "memberships"]) $("#" + key).value = (e[key] || []).join("\n");
  $("#lobbyists").replaceChildren(); $("#clients").replaceChildren();
  for (const l of e.lobbyists || []) addRow("lobbyist", l);
  for (const c of e.clients || []) addRow("client", c);
}
function clearErrors() {
  for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of document.querySelectorAll(".invalid-message")) el.remove();
  $("#form-error").hidden = true;
}
// Find the input for an error path like "lobbyists[1].former_office_end".
function fieldElement(path) {
  const m = /^(lobbyists|clients)\[(\d+)\](?:\.(\w+))?/.exec(path);
  if (m) {
    const row = document.querySelectorAll("#" + m[1] + " .row")[Number(m[2])];
    return row && (m[3] ? row.querySelector("[data-part=" + m[3] + "]") : row);
  }
  return document.querySelector('[data-field="' + path.replace(/\[\d+\]$/, "") + '"]');
}
function showErrors(problem) {
  if (problem.errors && problem.status === 422) checklist(problem.errors);
  const errors = problem.errors && problem.errors.length ? problem.errors : [{field: problem.field, message: problem.detail}];
  let shown = false;
  for (const err of errors) {
    const el = err.field && fieldElement(err.field);
    if (!el) continue;
    el.setAttribute("aria-invalid", "true");
    const msg = document.createElement("span");
    msg.className = "invalid-message"; msg.textContent = " " + err.message;
    el.after(msg); shown = true;
  }
  $("#form-error").textContent = problem.detail || "Something went wrong.";
  $("#form-error").hidden = false;
  if (!shown) $("#form-error").scrollIntoView();
}
function showDraft(d) {
  id = String(d.id);
  history.replaceState(null, "", "/pages/register?id=" + id);
  $("#state").textContent = "Entry " + (d.registration_number || "(no number yet)") + ": " + d.status +
    ", version " + d.version + " (" + d.version_status + ")" + (d.reason ? ". Rejected: " + d.reason : "");
  checklist(d.missing || []);
  for (const [sel, path] of [["#returns-link", "/pages/returns"], ["#meeting-link", "/pages/meeting"]]) {
    $(sel).href = path + "?id=" + id;
  }
  $(".once-registered").hidden = !d.registration_number;
}
// Where each checklist item is filled in (its first input, or the button that adds a row).
const CHECK_TARGET = {"name": "name", "category": "category", "head_office.address": "address",
  "head_office.country": "country", "description": "description", "subject_matters": "subject_matters",
  "annual_costs_band": "annual_costs_band", "lobbyists": "add-lobbyist", "clients": "add-client"};
function checklist(missing) {
  const covered = new Set();
  for (const item of document.querySelectorAll("#checklist li")) {
    const key = item.dataset.check;
    const mine = missing.filter(m => m.field === key || m.field.startsWith(key + "[") || m.field.startsWith(key + "."));
    mine.forEach(m => covered.add(m));
    const label = item.dataset.label || (item.dataset.label = item.textContent);
    item.className = mine.length ? "todo" : "done";
    if (mine.length) {
      const a = Object.assign(document.createElement("a"), {href: "#" + CHECK_TARGET[key], textContent: label});
      item.replaceChildren(a, ": " + mine.map(m => m.message).join(" "));
    } else {
      item.replaceChildren(label + " (done)");
    }
  }
  // Anything the list does not name, as the API says it.
  const rest = missing.filter(m => !covered.has(m));
  const other = $("#missing");
  other.replaceChildren(...rest.map(m => Object.assign(document.createElement("li"), {textContent: m.field + ": " + m.message})));
  other.hidden = !rest.length;
}
async function save() {
  clearErrors();
  const r = id ? await api("PATCH", "/api/v1/registrants/" + id, readForm(), {"If-Match": etag})
               : await api("POST", "/api/v1/registrants", readForm());
  if (!r.ok) {
    if (r.status === 412) { r.body.detail += " Your changes were not saved; reload the page."; }
    showErrors(r.body); return false;
  }
  showDraft(r.body); return true;
}
async function init() {
  codes = await fetch("/api/v1/registrants/code-lists").then(r => r.json());
  options($("#category"), codes.categories, "choose a category");
  options($("#annual_costs_band"), codes.money_bands, "choose a band");
  for (const [code, label] of Object.entries(codes.subject_matters)) {
    const box = Object.assign(document.createElement("input"), {type: "checkbox", value: code});
    const label_ = document.createElement("label"); label_.append(box, " " + label);
    $("#subject_matters").append(label_);
  }
  if (id) {
    const r = await api("GET", "/api/v1/registrants/" + id + "/draft");
    if (r.ok) { fillForm(r.body.entry); showDraft(r.body); } else showErrors(r.body);
  }
  $("#add-lobbyist").addEventListener("click", () => addRow("lobbyist"));
  $("#add-client").addEventListener("click", () => addRow("client"));
  $("#entry").addEventListener("submit", e => { e.preventDefault(); save(); });
  $("#submit-entry").addEventListener("click", async () => {
    if (!(await save())) return;
    const r = await api("POST", "/api/v1/registrants/" + id + "/submit");
    if (r.ok) showDraft(r.body); else showErrors(r.body);
  });
}
if (token) init(); else toSignIn();
