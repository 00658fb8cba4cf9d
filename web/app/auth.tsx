// Sign in and sign up. The demo accounts that `npm start` seeds are mentioned on the page.
import { useState } from "preact/hooks";
import { client } from "./live";
import { href } from "./router";
import { ErrorMessage } from "./ui";

/** The login form (mode "login") or the sign-up form (mode "signup"). */
export function AuthScreen({ mode, notice }: { mode: "login" | "signup"; notice?: string | null }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const signup = mode === "signup";

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (signup)
        await client.register({
          username,
          password,
          ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
        });
      else await client.login({ username, password });
      location.hash = "#/feed";
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="auth">
      <h1>{signup ? "Create your Plaza account" : "Sign in to Plaza"}</h1>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={submit} class="card stack" aria-describedby={signup ? undefined : "demo-hint"}>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            {...(signup ? { pattern: "[a-z0-9_]{3,32}", title: "3-32 characters: a-z, 0-9 and _" } : {})}
          />
        </label>
        {signup && (
          <label>
            Display name <span class="muted">(optional)</span>
            <input
              name="displayName"
              autoComplete="name"
              maxLength={64}
              value={displayName}
              onInput={(e) => setDisplayName(e.currentTarget.value)}
            />
          </label>
        )}
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={signup ? "new-password" : "current-password"}
            required
            {...(signup ? { minLength: 8 } : {})}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Please wait…" : signup ? "Sign up" : "Sign in"}
        </button>
      </form>
      {signup ? (
        <p>
          Have an account? <a href={href({ name: "login" })}>Sign in</a>
        </p>
      ) : (
        <>
          <p>
            New here? <a href={href({ name: "signup" })}>Create an account</a>
          </p>
          <p id="demo-hint" class="muted">
            Running <code>npm start</code>? Demo accounts <strong>alice</strong>, <strong>bob</strong> and{" "}
            <strong>carol</strong> share the password <code>plaza-demo-password</code>.
          </p>
        </>
      )}
    </main>
  );
}
