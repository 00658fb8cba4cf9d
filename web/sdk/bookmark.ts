// Plaza-Bookmark (docs/API.md "Consistency"): the client keeps the newest bookmark any answer
// carried and sends it with every request, so it reads its own writes and never sees a post go
// back to an older state, wherever its requests land. Bookmarks sort oldest to newest as strings.

export const BOOKMARK_HEADER = "Plaza-Bookmark";

/** The newest bookmark this client has been given. */
export class BookmarkKeeper {
  private newest: string | null = null;

  get current(): string | null {
    return this.newest;
  }

  /** Keeps `bookmark` if it is newer than the one held. */
  note(bookmark: string | null): void {
    if (bookmark && (this.newest === null || bookmark > this.newest)) this.newest = bookmark;
  }

  forget(): void {
    this.newest = null;
  }
}

/** A fetch that sends the kept bookmark to Plaza (`baseUrl`) and keeps the one each answer carries. */
export function bookmarkedFetch(
  keeper: BookmarkKeeper,
  baseUrl: string,
  fetchFn: (request: Request) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const ours = request.url.startsWith(`${baseUrl}/`);
    if (ours && keeper.current !== null && !request.headers.has(BOOKMARK_HEADER)) {
      request.headers.set(BOOKMARK_HEADER, keeper.current);
    }
    const res = await fetchFn(request);
    if (ours) keeper.note(res.headers.get(BOOKMARK_HEADER));
    return res;
  };
}
