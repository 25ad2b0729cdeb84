"use strict";
// Sign in through the API; keep the token for this tab only.
async function post(url, body) {
  const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                              body: JSON.stringify(body)});
  return {ok: r.ok, status: r.status, body: await r.json().catch(() => ({}))};
}
function showError(text) {
  const el = document.getElementById("form-error");
  el.textContent = text; el.hidden = !text;
}
async function signIn(email, password) {
  const r = await post("/api/v1/auth/token", {email, password});
  if (!r.ok) { showError(r.body.detail || "Sign-in failed."); return; }
  sessionStorage.setItem("registry-token", r.body.access_token);
  const me = await fetch("/api/v1/accounts/me",
    {headers: {Authorization: "Bearer " + r.body.access_token}}).then(x => x.json());
  const next = new URLSearchParams(location.search).get("next");
  // Only our own pages: never an address given by someone else's link.
  if (next && /^\/pages\/[a-z-]+(\?[\w=&%-]*)?$/.test(next)) { location.href = next; return; }
  if (me.role === "registrar" || me.role === "admin") { location.href = "/pages/review"; return; }
  const first = (me.registrants || [])[0];
  location.href = "/pages/register" + (first ? "?id=" + first.registrant_id : "");
}
document.getElementById("sign-in").addEventListener("submit", e => {
  e.preventDefault();
  signIn(document.getElementById("email").value, document.getElementById("password").value);
});
document.getElementById("sign-up").addEventListener("submit", async e => {
  e.preventDefault();
  const email = document.getElementById("new-email").value;
  const password = document.getElementById("new-password").value;
  const r = await post("/api/v1/accounts", {email, password});
  if (!r.ok) { showError(r.body.detail || "Could not create the account."); return; }
  await signIn(email, password);
});
