// Finding people by name (issue 16): a box that lists users whose username or display name
// starts with what is typed, as you type, each linking to their profile (#/users/<id>).
import { useEffect, useState } from "preact/hooks";
import type { User } from "../sdk";
import { client } from "./live";
import { href } from "./router";
import { ErrorMessage } from "./ui";

/** Waits this long after the last keystroke before asking the server. */
const TYPING_PAUSE_MS = 200;
const MAX_PEOPLE = 10;

/** The "Find people" box with its live results; `initial`: the words the search page was opened with. */
export function PeopleSearch({ initial = "" }: { initial?: string }) {
  const [q, setQ] = useState(initial);
  const [people, setPeople] = useState<User[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setQ(initial), [initial]);
  useEffect(() => {
    const words = q.trim();
    if (!words || words.length > 200) {
      setPeople(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      client.searchUsers(words, { limit: MAX_PEOPLE }).then(
        (page) => {
          if (!live) return;
          setPeople(page.items);
          setError(null);
        },
        (e: unknown) => live && setError(e),
      );
    }, TYPING_PAUSE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q]);
  return (
    <section class="people-search" aria-labelledby="people-heading">
      <h2 id="people-heading">People</h2>
      <label>
        <span class="sr-only">Find people</span>
        <input
          type="search"
          value={q}
          maxLength={200}
          onInput={(e) => setQ(e.currentTarget.value)}
          placeholder="Find people by name"
        />
      </label>
      <ErrorMessage error={error} />
      {people?.length === 0 && <p class="muted">Nobody by that name.</p>}
      {people && people.length > 0 && (
        <ul class="people" aria-label="People found">
          {people.map((u) => (
            <li key={u.id}>
              <a href={href({ name: "user", id: u.id })}>
                <strong>{u.displayName}</strong> <span class="muted">@{u.username}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
