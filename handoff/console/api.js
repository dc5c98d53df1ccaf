/*
 * Calls to the handoff service (handoff/API.md), on the same origin with the session cookie.
 * A failed call rejects with an ApiError; status 0 means the network failed.
 */

export class ApiError extends Error {
  constructor(status, body) {
    super("HTTP " + status);
    this.status = status;
    this.body = body;
  }
}

let onUnauthorized = () => {};

// What to do when the service answers 401 (the session ended): set once by the entry module.
export function whenUnauthorized(handler) { onUnauthorized = handler; }

export function statusOf(error) { return error instanceof ApiError ? error.status : -1; }

export async function api(method, path, body) {
  const options = { method, credentials: "same-origin", headers: { "Accept": "application/json" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (e) {
    throw new ApiError(0, null);  // network failure
  }
  const text = await response.text();
  let data = null;
  if (text) { try { data = JSON.parse(text); } catch (e) { data = text; } }
  if (!response.ok) {
    if (response.status === 401) { onUnauthorized(); }
    throw new ApiError(response.status, data);
  }
  return data;
}

// A handoff's sub-resource: /api/handoffs/<id>/<path>.
export function handoffPath(id, path) {
  return "/api/handoffs/" + encodeURIComponent(id) + (path ? "/" + path : "");
}
