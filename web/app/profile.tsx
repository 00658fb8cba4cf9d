// A person's page: who they are, follow or unfollow, message them, and their posts.
import { useEffect, useState } from "preact/hooks";
import { type Post, type Profile, unwrap, type User } from "../sdk";
import { client, refreshRooms } from "./live";
import { PostCard } from "./post-card";
import { ReportButton } from "./report";
import { navigate } from "./router";
import { UsagePanel } from "./task-details";
import { ErrorMessage } from "./ui";

/** The profile screen of user `userId`. */
export function ProfileScreen({ userId, me }: { userId: string; me: User }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [posts, setPosts] = useState<Post[]>([]);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setProfile(null);
    setError(null);
    Promise.all([
      unwrap(client.api.GET("/v1/users/{id}", { params: { path: { id: userId } } })),
      unwrap(client.api.GET("/v1/users/{id}/posts", { params: { path: { id: userId }, query: { limit: 20 } } })),
    ]).then(([p, page]) => {
      setProfile(p);
      setPosts(page.items);
    }, setError);
  }, [userId]);

  const follow = async () => {
    if (!profile) return;
    setError(null);
    try {
      const path = { params: { path: { id: profile.id } } };
      await unwrap(
        profile.followedByMe
          ? client.api.DELETE("/v1/users/{id}/follow", path)
          : client.api.POST("/v1/users/{id}/follow", path),
      );
      setProfile({
        ...profile,
        followedByMe: !profile.followedByMe,
        followers: profile.followers + (profile.followedByMe ? -1 : 1),
      });
    } catch (err) {
      setError(err);
    }
  };

  const message = async () => {
    setError(null);
    try {
      const room = await unwrap(client.api.POST("/v1/rooms/direct", { body: { userId } }));
      await refreshRooms();
      navigate({ name: "room", id: room.id });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <main id="main" class="profile">
      {profile ? (
        <>
          <h1>
            {profile.displayName || profile.username} <span class="muted">@{profile.username}</span>
          </h1>
          <p class="muted">
            {profile.followers} followers · {profile.following} following
          </p>
          {profile.id !== me.id && (
            <div class="row">
              <button type="button" onClick={() => void follow()} aria-pressed={profile.followedByMe}>
                {profile.followedByMe ? "Unfollow" : "Follow"}
              </button>
              <button type="button" class="primary" onClick={() => void message()}>
                Message
              </button>
              <ReportButton target={{ kind: "user", id: profile.id }} what={`@${profile.username}`} />
            </div>
          )}
          {profile.id === me.id && <UsagePanel />}
          <h2>Posts</h2>
          {posts.length === 0 && <p class="muted">No posts yet.</p>}
          {posts.map((p) => (
            <PostCard key={p.id} post={p} />
          ))}
        </>
      ) : (
        !error && <p class="muted">Loading…</p>
      )}
      <ErrorMessage error={error} />
    </main>
  );
}
