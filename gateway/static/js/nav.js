// Navigation between hash routes (the router registers itself here: no import cycle).
const NEXT_KEY = "xuefei.next";
let reroute = () => {};

export function setRouter(fn) { reroute = fn; }

export function go(hash) {
  if (location.hash === hash) reroute();
  else location.hash = hash;
}

export function rememberNext(hash) { sessionStorage.setItem(NEXT_KEY, hash); }

/** After sign-in: back to the page the user wanted, or home. */
export function goAfterSignIn() {
  const next = sessionStorage.getItem(NEXT_KEY);
  sessionStorage.removeItem(NEXT_KEY);
  go(next && next !== "#/login" ? next : "#/home");
}
