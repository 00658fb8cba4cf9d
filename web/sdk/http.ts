// Authenticated HTTP: a fetch that adds the bearer token, refreshes once on 401 and retries,
// and signs out when that fails; the typed client over it (openapi-fetch with the types
// generated from the Worker's OpenAPI document); and `unwrap`, which turns failures into
// PlazaError.
import createClient from "openapi-fetch";
import type { paths } from "./api.gen";
import { networkError, PlazaError, problemError } from "./problem";
import type { Session } from "./session";

/** The typed HTTP client: `api.GET("/v1/posts/{id}", { params: { path: { id } } })`. */
export type PlazaApi = ReturnType<typeof createClient<paths>>;

/**
 * A fetch for Plaza: sends the session's access token; on 401 it refreshes once and sends
 * the request again; if the server still says 401 (or the refresh token is refused) the
 * session is cleared, which signs the app out.
 */
export function authedFetch(
  session: Session,
  fetchFn: typeof fetch = (...a) => fetch(...a),
): (request: Request) => Promise<Response> {
  const send = (request: Request, token: string | null) => {
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return fetchFn(request);
  };
  return async (request) => {
    const spare = request.clone(); // the body of a request can be sent once
    const token = await session.accessToken();
    const res = await send(request, token);
    if (res.status !== 401 || !token) return res;
    const outcome = await session.refresh();
    if (outcome !== "refreshed") return res; // "ended" already signed out; "unavailable": try later
    const again = await send(spare, await session.accessToken());
    if (again.status === 401) session.clear();
    return again;
  };
}

/** Creates the typed client for `baseUrl`. */
export function createApi(baseUrl: string, fetchFn: (request: Request) => Promise<Response>): PlazaApi {
  return createClient<paths>({ baseUrl, fetch: fetchFn });
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Awaits an openapi-fetch call and returns its data, or throws PlazaError (network failures too). */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (err) {
    throw err instanceof PlazaError ? err : networkError(err);
  }
  const { data, error, response } = result;
  if (!response.ok || error !== undefined)
    throw problemError(response.status, response.statusText, response.headers, error);
  return data as T;
}
