"use strict";
// The registrars' review queue, over the API: entries to approve or reject (with a reason),
// candidate links to confirm or reject (with a comment), each error shown by its field.
const token = sessionStorage.getItem("registry-token");
const toSignIn = () => { location.href = "/pages/sign-in?next=" + encodeURIComponent("/pages/review"); };
const $ = sel => document.querySelector(sel);
let uid = 0;

async function api(method, url, body) {
  const headers = {Authorization: "Bearer " + token};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(url, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  if (r.status === 401) { toSignIn(); throw new Error("signed out"); }
  return {ok: r.ok, status: r.status, body: await r.json().catch(() => ({}))};
}
function text(tag, value, cls) {
  const el = document.createElement(tag);
  el.textContent = value;
  if (cls) el.className = cls;
  return el;
}
function link(href, value) {
  const a = text("a", value); a.href = href; return a;
}
function fieldError(input, message) {
  for (const old of input.parentElement.querySelectorAll(".invalid-message")) old.remove();
  input.removeAttribute("aria-invalid");
  if (!message) return;
  input.setAttribute("aria-invalid", "true");
  const msg = text("span", message, "invalid-message");
  msg.id = input.id + "-error";
  input.setAttribute("aria-describedby", msg.id);
  input.after(msg);
  input.focus();
}
function labelled(item, part) {
  const input = item.querySelector("[data-part=" + part + "]");
  input.id = part + "-" + (++uid);
  item.querySelector("[data-part=" + part + "-label]").htmlFor = input.id;
  return input;
}
function fact(dl, term, value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return;
  dl.append(text("dt", term), text("dd", Array.isArray(value) ? value.join(", ") : String(value)));
}
async function entryItem(p) {
  const item = document.getElementById("entry-item").content.firstElementChild.cloneNode(true);
  item.querySelector("[data-part=title]").textContent = p.name + " (version " + p.version + ")";
  const draft = await api("GET", "/api/v1/registrants/" + p.id + "/draft");
  const dl = item.querySelector("[data-part=facts]");
  fact(dl, "Submitted", p.submitted_at && p.submitted_at.slice(0, 10));
  fact(dl, "Status", p.status);
  if (draft.ok) {
    const e = draft.body.entry;
    fact(dl, "Category", e.category);
    fact(dl, "Head office", [e.head_office && e.head_office.address, e.head_office && e.head_office.city, e.head_office && e.head_office.country].filter(Boolean));
    fact(dl, "Description", e.description);
    fact(dl, "Subject matters", e.subject_matters);
    fact(dl, "Lobbyists", (e.lobbyists || []).map(l => l.name + (l.former_public_office ? " (formerly " + l.former_public_office + ")" : "")));
    fact(dl, "Clients", (e.clients || []).map(c => c.name));
    fact(dl, "Annual costs", e.annual_costs_band);
  }
  const reason = labelled(item, "reason");
  item.querySelector("[data-action=approve]").addEventListener("click", () => decide(item, p, "approve", reason));
  item.querySelector("[data-action=reject]").addEventListener("click", () => decide(item, p, "reject", reason));
  return item;
}
async function decide(item, p, action, reason) {
  fieldError(reason, null);
  const body = action === "reject" ? {reason: reason.value.trim() || null} : {};
  if (action === "reject" && !body.reason) { fieldError(reason, "Give the reason for rejecting; the registrant sees it."); return; }
  const r = await api("POST", "/api/v1/registrants/" + p.id + "/" + action, body);
  if (!r.ok) { fieldError(reason, r.body.detail || "The decision was not recorded."); return; }
  const done = text("p", action === "approve" ? "Approved: " : "Rejected: ", "state");
  if (action === "approve") done.append(link("/registrants/" + p.id, p.name), " is published.");
  else done.append(p.name + ". Reason: " + body.reason);
  item.replaceChildren(done);
  done.tabIndex = -1; done.focus();
}
function evidenceLines(ev) {
  const out = [];
  if (ev.rules && ev.rules.length) out.push("Rules: " + ev.rules.join("; "));
  if (ev.identifier) out.push("Identifier " + (ev.identifier.scheme || "") + ": " + ev.identifier.left + " / " + ev.identifier.right + " (" + ev.identifier.agreement + ")");
  if (ev.names) out.push("Names compared: " + ev.names.left + " / " + ev.names.right);
  if (ev.features) {
    for (const [name, f] of Object.entries(ev.features)) {
      if (f && typeof f === "object" && typeof f.contribution === "number")
        out.push(name.replace(/_/g, " ") + ": value " + (typeof f.value === "number" ? f.value.toFixed(2) : f.value === null || f.value === undefined ? "unknown" : String(f.value)) + ", contributes " + f.contribution.toFixed(2));
    }
  }
  return out;
}
function linkItem(l) {
  const item = document.getElementById("link-item").content.firstElementChild.cloneNode(true);
  const title = item.querySelector("[data-part=title]");
  title.append(link("/entities/" + l.left.id, l.left.name), " (" + l.left.dataset + ") and ",
               link("/entities/" + l.right.id, l.right.name), " (" + l.right.dataset + ")");
  item.querySelector("[data-part=score]").textContent = "Score " + l.score.toFixed(2) + " · " + l.method + " · matcher " + l.matcher_version;
  item.querySelector("[data-part=evidence]").replaceChildren(...evidenceLines(l.evidence || {}).map(s => text("li", s)));
  const comment = labelled(item, "comment");
  for (const button of item.querySelectorAll("[data-action]")) {
    button.addEventListener("click", async () => {
      fieldError(comment, null);
      if (!comment.value.trim()) { fieldError(comment, "Say why, for the record."); return; }
      const r = await api("POST", "/api/v1/links/" + l.id + "/decision", {decision: button.dataset.action, comment: comment.value.trim()});
      if (!r.ok) { fieldError(comment, r.body.detail || "The decision was not recorded."); return; }
      const done = text("p", (button.dataset.action === "confirmed" ? "Confirmed: " : "Rejected: ") + l.left.name + " / " + l.right.name, "state");
      item.replaceChildren(done); done.tabIndex = -1; done.focus();
    });
  }
  return item;
}
async function init() {
  const queue = await api("GET", "/api/v1/registrants/review-queue");
  if (!queue.ok) {
    $("#state").textContent = queue.status === 403 ? "Only registrars review entries; you are signed in with another role." : "The queue could not be read.";
    return;
  }
  if (queue.body.length) $("#entries").replaceChildren(...await Promise.all(queue.body.map(entryItem)));
  const links = await api("GET", "/api/v1/links?status=candidate&limit=50");
  if (links.ok && links.body.items.length) $("#links").replaceChildren(...links.body.items.map(linkItem));
  $("#state").textContent = queue.body.length + " entr" + (queue.body.length === 1 ? "y" : "ies") + " and " + (links.ok ? links.body.items.length : 0) + " candidate links to review.";
}
if (token) init(); else toSignIn();
